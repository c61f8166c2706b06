package bridge

import (
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/ongair-bridge/ongair-bridge/ongair"
)

// FromOngair converts an Ongair notification. ok is false for notifications
// the bridge acknowledges without acting on (reason says why); err is set
// when the notification lacks what its type needs.
func FromOngair(n *ongair.Notification) (ev Event, reason string, err error) {
	kind, ok := ongairKinds[strings.ToLower(n.Type)]
	if !ok {
		return Event{}, fmt.Sprintf("notification type %q is not bridged", n.Type), nil
	}
	ev = Event{Kind: kind, OngairMessageID: n.ID, OngairConversationID: n.ConversationID}

	if kind == KindText && n.GroupID != "" {
		ev.Chat = Chat{ID: n.GroupID, Group: true, Channel: n.AccountType}
		sender, ok := ongairChat(n)
		switch {
		case ok && n.Name != "" && n.Name != sender.ID:
			ev.Sender = n.Name + " (" + sender.ID + ")"
		case ok:
			ev.Sender = sender.ID
		default:
			ev.Sender = n.Name
		}
	} else {
		if ev.Chat, ok = ongairChat(n); !ok {
			return Event{}, "", fmt.Errorf("%s has no contact: external_contact_id or phone_number is required", n.Type)
		}
	}

	switch kind {
	case KindText, KindAgentMessage:
		ev.Text = n.Text
		if n.Image != "" {
			ev.MediaURL = n.Image
		}
		if ev.Text == "" && ev.MediaURL == "" {
			return Event{}, "", fmt.Errorf("%s has no text", n.Type)
		}
	case KindImage:
		if n.Image == "" {
			return Event{}, "", fmt.Errorf("%s has no image URL", n.Type)
		}
		ev.MediaURL = n.Image
		ev.Text = firstNonEmpty(n.Caption, n.Text)
	case KindLocation:
		if n.Latitude == nil || n.Longitude == nil {
			return Event{}, "", fmt.Errorf("%s needs latitude and longitude", n.Type)
		}
		ev.Latitude, ev.Longitude, ev.Address = *n.Latitude, *n.Longitude, n.Address
	case KindContactCard:
		ev.ContactCard = firstNonEmpty(n.ContactPhoneNumber, n.Text)
		if ev.ContactCard == "" {
			return Event{}, "", fmt.Errorf("%s has no contact_phone_number", n.Type)
		}
	case KindTicketStatus:
		st, ok := ticketStatuses[strings.ToLower(n.Status)]
		if !ok {
			return Event{}, "", fmt.Errorf("%s has status %q, want Open, Pending or Closed", n.Type, n.Status)
		}
		ev.Status = st
	case KindReceipt:
		if n.ID == "" {
			return Event{}, "", fmt.Errorf("%s has no message id", n.Type)
		}
	}
	ev.ID = ongairEventID(n, kind)
	return ev, "", nil
}

var ongairKinds = map[string]Kind{
	"messagereceived":      KindText,
	"groupmessagereceived": KindText,
	"imagereceived":        KindImage,
	"locationreceived":     KindLocation,
	"contactreceived":      KindContactCard,
	"messagesent":          KindAgentMessage,
	"ticketstatusupdated":  KindTicketStatus,
	"deliveryreceipt":      KindReceipt,
}

var ticketStatuses = map[string]string{"open": "open", "pending": "pending", "closed": "resolved"}

// ongairEventID is the deduplication id: Ongair's message id where the
// notification has one. Status changes and notifications without an id get
// a fresh id, so each delivery of them is handled.
func ongairEventID(n *ongair.Notification, kind Kind) string {
	if n.ID == "" || kind == KindTicketStatus {
		return "ongair:" + n.Type + ":new:" + uuid.NewString()
	}
	return "ongair:" + n.Type + ":" + n.ID
}

// ongairChat is the customer a notification is about. WhatsApp (and the first
// Ongair document, which knows only WhatsApp) names customers by phone number;
// other channels by their own user id.
func ongairChat(n *ongair.Notification) (Chat, bool) {
	whatsapp := n.AccountType == "" || strings.EqualFold(n.AccountType, "whatsapp")
	for _, raw := range []string{n.ExternalContactID, n.PhoneNumber} {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		if whatsapp {
			if c, ok := phoneChat(raw); ok {
				c.Name, c.Channel = n.Name, n.AccountType
				return c, true
			}
		}
		c, ok := ParseKey(raw)
		if !ok || c.Group {
			continue
		}
		c.Phone = ""
		if p, ok := phoneChat(n.PhoneNumber); ok {
			c.Phone = p.Phone
		}
		c.Name, c.Channel = n.Name, n.AccountType
		return c, true
	}
	return Chat{}, false
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
