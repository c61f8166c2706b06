package chatwoot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MessageType is the direction of a message. API responses carry it as an
// integer, webhooks as a string; both decode to the string form.
type MessageType string

const (
	Incoming MessageType = "incoming"
	Outgoing MessageType = "outgoing"
	Activity MessageType = "activity"
	Template MessageType = "template"
)

var messageTypes = []MessageType{Incoming, Outgoing, Activity, Template}

func (t *MessageType) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*t = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if n, err := strconv.Atoi(s); err == nil {
			*t = messageTypeOf(int64(n))
			return nil
		}
		*t = MessageType(s)
		return nil
	}
	var n flexInt
	if err := n.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("chatwoot: message_type %.40s is neither a number nor a string", b)
	}
	*t = messageTypeOf(int64(n))
	return nil
}

// messageTypeOf maps Chatwoot's enum integer to its name; an integer it does
// not know stays as its decimal form rather than failing the whole payload.
func messageTypeOf(n int64) MessageType {
	if n >= 0 && n < int64(len(messageTypes)) {
		return messageTypes[n]
	}
	return MessageType(strconv.FormatInt(n, 10))
}

// Timestamp decodes epoch seconds (API responses) and ISO 8601 strings
// (webhooks). null and "" leave it zero.
type Timestamp struct{ time.Time }

var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 Z0700",
	"2006-01-02 15:04:05.999999999 MST",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			t.Time = time.Time{}
			return nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e15 {
			return fmt.Errorf("chatwoot: timestamp %.40s is out of range", s)
		}
		sec, frac := math.Modf(f)
		t.Time = time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
		return nil
	}
	for _, layout := range timestampLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("chatwoot: cannot parse timestamp %.40q", s)
}

type Inbox struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ChannelType string `json:"channel_type"`
}

func (in *Inbox) UnmarshalJSON(b []byte) error {
	type plain Inbox
	v := struct {
		*plain
		ID flexInt `json:"id"`
	}{plain: (*plain)(in)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	in.ID = int64(v.ID)
	return nil
}

// ContactInbox is a contact's session in an inbox. API responses fill
// Inbox; webhook payloads fill InboxID and ContactID instead.
type ContactInbox struct {
	SourceID  string `json:"source_id"`
	Inbox     Inbox  `json:"inbox"`
	InboxID   int64  `json:"inbox_id"`
	ContactID int64  `json:"contact_id"`
}

func (ci *ContactInbox) UnmarshalJSON(b []byte) error {
	type plain ContactInbox
	v := struct {
		*plain
		SourceID  flexString `json:"source_id"`
		InboxID   flexInt    `json:"inbox_id"`
		ContactID flexInt    `json:"contact_id"`
	}{plain: (*plain)(ci)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	ci.SourceID = string(v.SourceID)
	ci.InboxID = int64(v.InboxID)
	ci.ContactID = int64(v.ContactID)
	return nil
}

// inboxID is the contact inbox's inbox, whichever form the payload used.
func (ci *ContactInbox) inboxID() int64 {
	if ci.Inbox.ID != 0 {
		return ci.Inbox.ID
	}
	return ci.InboxID
}

type Contact struct {
	ID                   int64          `json:"id"`
	Name                 string         `json:"name"`
	Email                string         `json:"email"`
	PhoneNumber          string         `json:"phone_number"`
	Identifier           string         `json:"identifier"`
	AdditionalAttributes map[string]any `json:"additional_attributes"`
	CustomAttributes     map[string]any `json:"custom_attributes"`
	ContactInboxes       []ContactInbox `json:"contact_inboxes"`
}

func (c *Contact) UnmarshalJSON(b []byte) error {
	type plain Contact
	v := struct {
		*plain
		ID                   flexInt    `json:"id"`
		PhoneNumber          flexString `json:"phone_number"`
		Identifier           flexString `json:"identifier"`
		AdditionalAttributes flexMap    `json:"additional_attributes"`
		CustomAttributes     flexMap    `json:"custom_attributes"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c.ID = int64(v.ID)
	c.PhoneNumber = string(v.PhoneNumber)
	c.Identifier = string(v.Identifier)
	c.AdditionalAttributes = v.AdditionalAttributes
	c.CustomAttributes = v.CustomAttributes
	return nil
}

// Sender is who wrote a message, or a conversation's contact or assignee.
// Type is "user", "agent_bot", "contact", or "" (webhooks send contacts
// without a type).
type Sender struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Type        string `json:"type"`
	PhoneNumber string `json:"phone_number"`
	Identifier  string `json:"identifier"`
}

func (s *Sender) UnmarshalJSON(b []byte) error {
	type plain Sender
	v := struct {
		*plain
		ID          flexInt    `json:"id"`
		PhoneNumber flexString `json:"phone_number"`
		Identifier  flexString `json:"identifier"`
	}{plain: (*plain)(s)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.ID = int64(v.ID)
	s.PhoneNumber = string(v.PhoneNumber)
	s.Identifier = string(v.Identifier)
	return nil
}

type Attachment struct {
	ID          int64  `json:"id"`
	FileType    string `json:"file_type"`
	ContentType string `json:"content_type"`
	DataURL     string `json:"data_url"`
	ThumbURL    string `json:"thumb_url"`
	Extension   string `json:"extension"`
	FileSize    int64  `json:"file_size"`
}

func (a *Attachment) UnmarshalJSON(b []byte) error {
	type plain Attachment
	v := struct {
		*plain
		ID       flexInt `json:"id"`
		FileSize flexInt `json:"file_size"`
	}{plain: (*plain)(a)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	a.ID = int64(v.ID)
	a.FileSize = int64(v.FileSize)
	return nil
}

type Message struct {
	ID                int64          `json:"id"`
	InboxID           int64          `json:"inbox_id"`
	ConversationID    int64          `json:"conversation_id"`
	Content           string         `json:"content"`
	ContentType       string         `json:"content_type"`
	Status            string         `json:"status"`
	MessageType       MessageType    `json:"message_type"`
	Private           bool           `json:"private"`
	SourceID          string         `json:"source_id"`
	ContentAttributes map[string]any `json:"content_attributes"`
	CreatedAt         Timestamp      `json:"created_at"`
	Sender            *Sender        `json:"sender"`
	Attachments       []Attachment   `json:"attachments"`
}

func (m *Message) UnmarshalJSON(b []byte) error {
	type plain Message
	v := struct {
		*plain
		ID                flexInt    `json:"id"`
		InboxID           flexInt    `json:"inbox_id"`
		ConversationID    flexInt    `json:"conversation_id"`
		SourceID          flexString `json:"source_id"`
		ContentAttributes flexMap    `json:"content_attributes"`
	}{plain: (*plain)(m)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	m.ID = int64(v.ID)
	m.InboxID = int64(v.InboxID)
	m.ConversationID = int64(v.ConversationID)
	m.SourceID = string(v.SourceID)
	m.ContentAttributes = v.ContentAttributes
	return nil
}

// Conversation is a conversation; ID is its display id, the one every URL
// uses.
type Conversation struct {
	ID           int64            `json:"id"`
	AccountID    int64            `json:"account_id"`
	InboxID      int64            `json:"inbox_id"`
	Status       string           `json:"status"`
	ContactInbox *ContactInbox    `json:"contact_inbox"`
	Meta         ConversationMeta `json:"meta"`
}

func (c *Conversation) UnmarshalJSON(b []byte) error {
	type plain Conversation
	v := struct {
		*plain
		ID        flexInt `json:"id"`
		AccountID flexInt `json:"account_id"`
		InboxID   flexInt `json:"inbox_id"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c.ID = int64(v.ID)
	c.AccountID = int64(v.AccountID)
	c.InboxID = int64(v.InboxID)
	return nil
}

type ConversationMeta struct {
	Sender   *Sender `json:"sender"`
	Assignee *Sender `json:"assignee"`
}

// flexInt is an id that may arrive as a number, a float with no fraction, a
// numeric string, or null.
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*n = 0
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s = strings.TrimSpace(s); s == "" {
			*n = 0
			return nil
		}
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = flexInt(i)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
		return errors.New("chatwoot: id is not an integer")
	}
	*n = flexInt(f)
	return nil
}

// flexString is a string id (source_id, identifier, phone_number) that may
// arrive as a number or null.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*s = flexString(b)
	default:
		return errors.New("chatwoot: expected a string or a number")
	}
	return nil
}

// flexMap is a free-form attributes object. A JSON string holding an object
// is decoded; anything else that is not an object (Rails sometimes sends [])
// is dropped rather than failing the payload.
type flexMap map[string]any

func (m *flexMap) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	var v map[string]any
	if json.Unmarshal(b, &v) != nil {
		v = nil
	}
	*m = v
	return nil
}
