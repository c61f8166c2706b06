// Package bridge holds the domain of ongair-bridge: the event both sides
// convert to, the per-chat mailbox that orders them, and the task handlers
// that replay them into the helpdesk or out to Ongair.
package bridge

import (
	"regexp"
	"strings"
)

// Kind says what an event asks the bridge to do.
type Kind string

const (
	// From Ongair, replayed into the helpdesk.
	KindText         Kind = "text"          // MessageReceived, GroupMessageReceived
	KindImage        Kind = "image"         // ImageReceived
	KindLocation     Kind = "location"      // LocationReceived
	KindContactCard  Kind = "contact_card"  // ContactReceived
	KindAgentMessage Kind = "agent_message" // MessageSent: an agent replied from Ongair itself
	KindTicketStatus Kind = "ticket_status" // TicketStatusUpdated
	KindReceipt      Kind = "receipt"       // DeliveryReceipt

	// From the helpdesk, sent out to Ongair or applied to the bridge's state.
	KindReply              Kind = "reply"               // an agent's outgoing message
	KindConversationStatus Kind = "conversation_status" // an agent resolved or reopened a conversation
)

// Event is one thing that happened on either side, in the form both sides
// convert to. It is the payload of every queued task.
type Event struct {
	// ID names the event for deduplication: the same ID is handled once.
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	Chat Chat   `json:"chat"`

	Sender      string  `json:"sender,omitempty"` // who wrote a group message
	Text        string  `json:"text,omitempty"`
	MediaURL    string  `json:"media_url,omitempty"`
	Address     string  `json:"address,omitempty"`
	Latitude    float64 `json:"latitude,omitempty"`
	Longitude   float64 `json:"longitude,omitempty"`
	ContactCard string  `json:"contact_card,omitempty"` // the number of a shared contact
	Status      string  `json:"status,omitempty"`       // helpdesk status: open, pending, resolved

	OngairMessageID      string `json:"ongair_message_id,omitempty"`
	OngairConversationID string `json:"ongair_conversation_id,omitempty"`

	ConversationID int64        `json:"conversation_id,omitempty"` // helpdesk conversation (display id)
	MessageID      int64        `json:"message_id,omitempty"`      // helpdesk message
	Attachments    []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file an agent attached to a reply.
type Attachment struct {
	URL         string `json:"url"`
	FileType    string `json:"file_type"` // image, audio, video, file, location …
	ContentType string `json:"content_type,omitempty"`
}

// Chat is the Ongair side of a helpdesk contact: one customer, or one group.
type Chat struct {
	ID      string `json:"id"` // the customer's id on its channel ("+254722200200", a Telegram id) or the group id
	Group   bool   `json:"group,omitempty"`
	Name    string `json:"name,omitempty"`
	Phone   string `json:"phone,omitempty"`   // E.164, set when the chat is a phone number
	Channel string `json:"channel,omitempty"` // Ongair's account_type: WhatsApp, Telegram …
}

const (
	sourcePrefix = "ongair:"
	groupPrefix  = "group:"
	// BridgeSourcePrefix starts the source_id of every message the bridge
	// creates in the helpdesk, so their webhooks are recognised and dropped.
	BridgeSourcePrefix = "ongair-bridge:"
)

// Key identifies the chat in the bridge's mailboxes and caches, and in the
// helpdesk as the contact's identifier.
func (c Chat) Key() string {
	if c.Group {
		return groupPrefix + c.ID
	}
	return c.ID
}

// SourceID is the contact-inbox source_id of the chat in the helpdesk. It is
// derived from the chat alone so a reply's webhook says where it goes.
func (c Chat) SourceID() string { return sourcePrefix + c.Key() }

// DisplayName is the helpdesk contact's name.
func (c Chat) DisplayName() string {
	switch {
	case c.Name != "":
		return c.Name
	case c.Group:
		return "Group " + c.ID
	}
	return c.ID
}

// ParseSourceID reads back a source_id made by SourceID.
func ParseSourceID(s string) (Chat, bool) {
	key, ok := strings.CutPrefix(s, sourcePrefix)
	if !ok {
		return Chat{}, false
	}
	return ParseKey(key)
}

// ParseKey reads back a key made by Chat.Key.
func ParseKey(key string) (Chat, bool) {
	if id, ok := strings.CutPrefix(key, groupPrefix); ok {
		if id == "" {
			return Chat{}, false
		}
		return Chat{ID: id, Group: true}, true
	}
	if key == "" || strings.ContainsAny(key, " \t\r\n") {
		return Chat{}, false
	}
	c := Chat{ID: key}
	if e164.MatchString(key) {
		c.Phone = key
	}
	return c, true
}

var e164 = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)

// phoneChat makes the chat of a phone number as either Ongair document
// writes it: "254722200200", "+254722200200", "+254 722-200-200".
func phoneChat(raw string) (Chat, bool) {
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '.':
			return -1
		}
		return r
	}, raw)
	s = strings.TrimPrefix(s, "+")
	if strings.HasPrefix(s, "00") {
		s = s[2:]
	}
	if !e164.MatchString("+" + s) {
		return Chat{}, false
	}
	return Chat{ID: "+" + s, Phone: "+" + s}, true
}

// ongairPhone is the number in the form Ongair's send calls take: digits only.
func (c Chat) ongairPhone() string { return strings.TrimPrefix(c.Phone, "+") }
