package bridge

import (
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/ongair-bridge/ongair-bridge/chatwoot"
)

// FromChatwoot converts a helpdesk webhook of the bridge's inbox. ok is false
// for everything that must not reach Ongair; reason says why.
func FromChatwoot(w *chatwoot.WebhookEvent, inboxID int64) (ev Event, reason string) {
	if id := w.ConversationInboxID(); id != inboxID {
		return Event{}, fmt.Sprintf("event of inbox %d, not the bridge's inbox %d", id, inboxID)
	}
	switch w.Event {
	case "message_created":
		return replyEvent(w)
	case "conversation_status_changed":
		chat, ok := webhookChat(w.ContactInbox, w.Meta)
		if !ok {
			return Event{}, "conversation is not with an Ongair chat"
		}
		return Event{
			ID:             "chatwoot:status:" + uuid.NewString(),
			Kind:           KindConversationStatus,
			Chat:           chat,
			ConversationID: w.ID,
			Status:         w.Status,
		}, ""
	}
	return Event{}, fmt.Sprintf("event %q is not bridged", w.Event)
}

func replyEvent(w *chatwoot.WebhookEvent) (Event, string) {
	switch {
	case w.MessageType != chatwoot.Outgoing && w.MessageType != chatwoot.Template:
		return Event{}, fmt.Sprintf("%s message", w.MessageType)
	case w.Private:
		return Event{}, "private note"
	case strings.HasPrefix(w.SourceID, BridgeSourcePrefix):
		return Event{}, "message created by the bridge"
	case w.Conversation == nil:
		return Event{}, "message has no conversation"
	}
	chat, ok := webhookChat(w.Conversation.ContactInbox, &w.Conversation.Meta)
	if !ok {
		return Event{}, "conversation is not with an Ongair chat"
	}
	ev := Event{
		ID:             fmt.Sprintf("chatwoot:message:%d", w.ID),
		Kind:           KindReply,
		Chat:           chat,
		Text:           w.Content,
		ConversationID: w.Conversation.ID,
		MessageID:      w.ID,
	}
	for _, a := range w.Attachments {
		if a.DataURL == "" {
			continue
		}
		ev.Attachments = append(ev.Attachments, Attachment{URL: a.DataURL, FileType: a.FileType, ContentType: a.ContentType})
	}
	if strings.TrimSpace(ev.Text) == "" && len(ev.Attachments) == 0 {
		return Event{}, "message has neither text nor attachments"
	}
	return ev, ""
}

// webhookChat finds the Ongair chat of a helpdesk conversation: from the
// contact inbox's source_id the bridge made, else from the contact's
// identifier or phone number (a conversation an agent started).
func webhookChat(ci *chatwoot.ContactInbox, meta *chatwoot.ConversationMeta) (Chat, bool) {
	if ci != nil {
		if c, ok := ParseSourceID(ci.SourceID); ok {
			return c, true
		}
	}
	if meta == nil || meta.Sender == nil {
		return Chat{}, false
	}
	id := meta.Sender.Identifier
	if strings.HasPrefix(id, groupPrefix) {
		return ParseKey(id)
	}
	if c, ok := phoneChat(id); ok {
		return c, true
	}
	return phoneChat(meta.Sender.PhoneNumber)
}
