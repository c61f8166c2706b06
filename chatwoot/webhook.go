package chatwoot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a signed webhook delivery (Chatwoot 4.13 and later; OneHash
// and older versions send none).
const (
	SignatureHeader = "X-Chatwoot-Signature"
	TimestampHeader = "X-Chatwoot-Timestamp"
	DeliveryHeader  = "X-Chatwoot-Delivery"
)

// WebhookEvent is one delivery to an inbox's webhook URL. For message
// events (message_created, message_updated) the top level is the message;
// for conversation events (conversation_created,
// conversation_status_changed, …) it is the conversation, ID is its display
// id, and Status, InboxID, ContactInbox and Meta are set.
type WebhookEvent struct {
	Event string `json:"event"`

	ID                int64          `json:"id"`
	Content           string         `json:"content"`
	ContentType       string         `json:"content_type"`
	MessageType       MessageType    `json:"message_type"`
	Private           bool           `json:"private"`
	SourceID          string         `json:"source_id"`
	ContentAttributes map[string]any `json:"content_attributes"`
	Sender            *Sender        `json:"sender"`
	Attachments       []Attachment   `json:"attachments"`
	Conversation      *Conversation  `json:"conversation"`
	Inbox             *Inbox         `json:"inbox"`
	Account           *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"account"`

	Status       string            `json:"status"`
	InboxID      int64             `json:"inbox_id"`
	ContactInbox *ContactInbox     `json:"contact_inbox"`
	Meta         *ConversationMeta `json:"meta"`
}

func (e *WebhookEvent) UnmarshalJSON(b []byte) error {
	type plain WebhookEvent
	v := struct {
		*plain
		ID                flexInt    `json:"id"`
		SourceID          flexString `json:"source_id"`
		ContentAttributes flexMap    `json:"content_attributes"`
		InboxID           flexInt    `json:"inbox_id"`
		Account           *struct {
			ID   flexInt `json:"id"`
			Name string  `json:"name"`
		} `json:"account"`
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	e.ID = int64(v.ID)
	e.SourceID = string(v.SourceID)
	e.ContentAttributes = v.ContentAttributes
	e.InboxID = int64(v.InboxID)
	e.Account = nil
	if v.Account != nil {
		e.Account = &struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		}{int64(v.Account.ID), v.Account.Name}
	}
	return nil
}

// ParseWebhook decodes a webhook body. Fields it does not know are ignored.
func ParseWebhook(body []byte) (*WebhookEvent, error) {
	if !json.Valid(body) {
		return nil, errors.New("chatwoot: webhook body is not valid JSON")
	}
	var ev WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("chatwoot: webhook body is not a Chatwoot payload: %w", err)
	}
	if ev.Event == "" {
		return nil, errors.New("chatwoot: webhook body has no event")
	}
	return &ev, nil
}

// ConversationInboxID is the inbox the event happened in, whichever part of
// the payload carries it.
func (e *WebhookEvent) ConversationInboxID() int64 {
	switch {
	case e == nil:
		return 0
	case e.Inbox != nil && e.Inbox.ID != 0:
		return e.Inbox.ID
	case e.Conversation != nil && e.Conversation.InboxID != 0:
		return e.Conversation.InboxID
	}
	return e.InboxID
}

// Sign returns the X-Chatwoot-Signature of a delivery.
func Sign(secret, timestamp string, body []byte) string {
	return "sha256=" + hex.EncodeToString(signatureOf(secret, timestamp, body))
}

func signatureOf(secret, timestamp string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

// VerifySignature checks a delivery's signature and timestamp (Unix
// seconds) against secret. With tolerance > 0 the timestamp must be within
// tolerance of now.
func VerifySignature(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	switch {
	case secret == "":
		return errors.New("chatwoot: webhook secret is empty")
	case signature == "":
		return errors.New("chatwoot: webhook signature is missing")
	case timestamp == "":
		return errors.New("chatwoot: webhook timestamp is missing")
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("chatwoot: webhook timestamp is not a Unix time")
	}
	if tolerance > 0 {
		// Sub saturates on overflow, so compare both bounds rather than |d|.
		if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
			return errors.New("chatwoot: webhook timestamp is outside the tolerance")
		}
	}
	sig := strings.TrimSpace(signature)
	if len(sig) >= 7 && strings.EqualFold(sig[:7], "sha256=") {
		sig = sig[7:]
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, signatureOf(secret, timestamp, body)) {
		return errors.New("chatwoot: webhook signature does not match")
	}
	return nil
}
