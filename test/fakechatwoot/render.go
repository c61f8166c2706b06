package fakechatwoot

import (
	"encoding/json"
	"maps"
	"net/url"
	"strconv"
	"time"
)

// The JSON Chatwoot answers and posts. Rails renders missing strings as
// null, API responses carry times as epoch seconds and message types as
// integers, webhooks both as strings.

type obj = map[string]any

const (
	accountName = "Fake Account"
	inboxName   = "Fake API Inbox"
	channelType = "Channel::Api"

	agentID    = 1
	agentName  = "Fake Agent"
	agentEmail = "agent@fakechatwoot.test"
	botID      = 1
	botName    = "Fake Bot"
)

var messageTypeNumbers = map[string]int{incoming: 0, outgoing: 1, "activity": 2, "template": 3}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fakechatwoot: " + err.Error())
	}
	return b
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *Server) accountJSON() obj { return obj{"id": s.cfg.AccountID, "name": accountName} }

func (s *Server) inboxJSON() obj {
	return obj{"id": s.cfg.InboxID, "name": inboxName, "channel_type": channelType}
}

func (s *Server) contactInboxJSON(ci *contactInbox) obj {
	return obj{"source_id": ci.sourceID, "inbox": s.inboxJSON()}
}

func contactFields(c *contact) obj {
	return obj{
		"id":                    c.ID,
		"name":                  c.Name,
		"email":                 nullable(c.Email),
		"phone_number":          nullable(c.PhoneNumber),
		"identifier":            nullable(c.Identifier),
		"thumbnail":             "",
		"additional_attributes": orEmpty(c.additional),
		"custom_attributes":     orEmpty(c.custom),
	}
}

// contactJSON is a contact as the contacts endpoints render it.
func (s *Server) contactJSON(c *contact) obj {
	o := contactFields(c)
	inboxes := []obj{}
	for _, ci := range s.contactInboxesOf(c.ID) {
		inboxes = append(inboxes, s.contactInboxJSON(ci))
	}
	o["contact_inboxes"] = inboxes
	o["availability_status"] = "offline"
	o["blocked"] = false
	return o
}

// contactPush is a contact as a sender or a conversation's meta.sender.
func contactPush(c *contact) obj {
	o := contactFields(c)
	o["type"] = "contact"
	return o
}

// contactHook is a contact as a webhook's sender: without a type.
func (s *Server) contactHook(c *contact) obj {
	o := contactFields(c)
	o["account"] = s.accountJSON()
	o["avatar"] = ""
	o["blocked"] = false
	return o
}

func (s *Server) senderJSON(m *message, hook bool) any {
	switch m.SenderType {
	case senderUser:
		o := obj{"id": agentID, "name": agentName, "available_name": agentName, "avatar_url": "",
			"type": "user", "availability_status": "online", "thumbnail": ""}
		if hook {
			o["email"] = agentEmail
		}
		return o
	case senderBot:
		return obj{"id": botID, "name": botName, "avatar_url": "", "type": "agent_bot"}
	case senderContact:
		if c := s.contact(m.senderID); c != nil {
			if hook {
				return s.contactHook(c)
			}
			return contactPush(c)
		}
	}
	return nil
}

func (s *Server) blobURL(a *attachment) string {
	return s.srv.URL + blobPrefix + strconv.FormatInt(a.id, 10) + "/" + url.PathEscape(a.FileName)
}

func (s *Server) attachmentsJSON(m *message) []obj {
	var out []obj
	for _, a := range m.files {
		thumb := ""
		if a.FileType == "image" {
			thumb = s.blobURL(a)
		}
		out = append(out, obj{
			"id":           a.id,
			"message_id":   m.ID,
			"account_id":   s.cfg.AccountID,
			"file_type":    a.FileType,
			"content_type": a.ContentType,
			"extension":    nil,
			"data_url":     s.blobURL(a),
			"thumb_url":    thumb,
			"file_size":    len(a.Data),
		})
	}
	return out
}

// attrsJSON is the message's content_attributes, where Chatwoot keeps the
// external_error too.
func (m *message) attrsJSON() obj {
	attrs := maps.Clone(orEmpty(m.attrs))
	if m.ExternalError != "" {
		attrs["external_error"] = m.ExternalError
	}
	return attrs
}

// messageJSON is a message as the messages endpoints render it.
func (s *Server) messageJSON(m *message) obj {
	o := obj{
		"id":                 m.ID,
		"content":            nullable(m.Content),
		"account_id":         s.cfg.AccountID,
		"inbox_id":           s.cfg.InboxID,
		"conversation_id":    m.ConversationID,
		"message_type":       messageTypeNumbers[m.MessageType],
		"content_type":       m.contentType,
		"status":             m.Status,
		"content_attributes": m.attrsJSON(),
		"created_at":         m.createdAt.Unix(),
		"private":            m.Private,
		"source_id":          nullable(m.SourceID),
		"sender":             s.senderJSON(m, false),
	}
	if len(m.files) > 0 {
		o["attachments"] = s.attachmentsJSON(m)
	}
	return o
}

// messageHook is the webhook payload of a message event.
func (s *Server) messageHook(event string, m *message) obj {
	o := obj{
		"event":                 event,
		"id":                    m.ID,
		"content":               nullable(m.Content),
		"content_type":          m.contentType,
		"content_attributes":    m.attrsJSON(),
		"message_type":          m.MessageType,
		"private":               m.Private,
		"source_id":             nullable(m.SourceID),
		"status":                m.Status,
		"created_at":            isoTime(m.createdAt),
		"additional_attributes": obj{},
		"account":               s.accountJSON(),
		"inbox":                 obj{"id": s.cfg.InboxID, "name": inboxName},
		"sender":                s.senderJSON(m, true),
		"conversation":          s.conversationJSON(s.conversation(m.ConversationID)),
	}
	if len(m.files) > 0 {
		o["attachments"] = s.attachmentsJSON(m)
	}
	return o
}

// conversationJSON is a conversation as the API renders it and as webhooks
// carry it.
func (s *Server) conversationJSON(cv *conversation) obj {
	var sender any
	if c := s.contact(cv.ContactID); c != nil {
		sender = contactPush(c)
	}
	created := cv.createdAt.Unix()
	return obj{
		"id":         cv.ID,
		"account_id": s.cfg.AccountID,
		"inbox_id":   cv.InboxID,
		"status":     cv.Status,
		"channel":    channelType,
		"contact_inbox": obj{
			"id":            cv.contactInboxID,
			"source_id":     cv.SourceID,
			"contact_id":    cv.ContactID,
			"inbox_id":      cv.InboxID,
			"hmac_verified": false,
		},
		"meta": obj{
			"sender":        sender,
			"assignee":      nil,
			"team":          nil,
			"channel":       channelType,
			"hmac_verified": false,
		},
		"messages":              []obj{},
		"labels":                []string{},
		"additional_attributes": orEmpty(cv.additional),
		"custom_attributes":     orEmpty(cv.custom),
		"can_reply":             true,
		"muted":                 false,
		"unread_count":          0,
		"snoozed_until":         nil,
		"priority":              nil,
		"created_at":            created,
		"timestamp":             created,
	}
}

// conversationHook is the webhook payload of a conversation event: the
// conversation itself, its event, and what changed.
func (s *Server) conversationHook(event string, cv *conversation, changed []obj) obj {
	o := s.conversationJSON(cv)
	o["event"] = event
	if changed != nil {
		o["changed_attributes"] = changed
	}
	return o
}
