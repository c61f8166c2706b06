package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/redis/go-redis/v9"

	"github.com/ongair-bridge/ongair-bridge/chatwoot"
	"github.com/ongair-bridge/ongair-bridge/ongair"
)

// Handler carries out events: those from Ongair against the helpdesk, those
// from the helpdesk against Ongair.
type Handler struct {
	cw       *chatwoot.Client
	og       *ongair.Client
	resolver *Resolver
	rdb      redis.UniversalClient
	media    *resty.Client
	log      *slog.Logger
}

// Ongair message ids the bridge knows, mapped to the helpdesk message:
// ob:og:{ongair id} = "{conversation}:{message}".
const sentTTL = 30 * 24 * time.Hour

func ongairMessageKey(id string) string { return "ob:og:" + id }

// Handle carries out one event. A returned error is retried unless it says
// it is not temporary.
func (h *Handler) Handle(ctx context.Context, ev Event) error {
	switch ev.Kind {
	case KindText, KindImage, KindLocation, KindContactCard:
		_, err := h.post(ctx, ev, chatwoot.Incoming)
		return err
	case KindAgentMessage:
		return h.agentMessage(ctx, ev)
	case KindTicketStatus:
		return h.ticketStatus(ctx, ev)
	case KindReceipt:
		return h.receipt(ctx, ev)
	case KindReply:
		return h.reply(ctx, ev)
	case KindConversationStatus:
		if ev.Status == "resolved" {
			return h.resolver.Forget(ctx, ev.Chat, ev.ConversationID)
		}
		return nil
	}
	return permanent("event kind %q is unknown", ev.Kind)
}

// Failed is called once an event has failed for good.
func (h *Handler) Failed(ctx context.Context, ev Event, err error) {
	if ev.Kind != KindReply {
		return
	}
	reason := err.Error()
	var m interface{ Message() string }
	if errors.As(err, &m) {
		reason = m.Message()
	}
	if serr := h.setStatus(ctx, ev.ConversationID, ev.MessageID, "failed", "Not sent to Ongair: "+reason); serr != nil {
		h.log.Warn("could not mark helpdesk message failed", "conversation", ev.ConversationID, "message", ev.MessageID, "err", serr)
	}
}

// post creates the event's message in the chat's open conversation.
func (h *Handler) post(ctx context.Context, ev Event, typ chatwoot.MessageType) (*chatwoot.Message, error) {
	req := chatwoot.CreateMessageRequest{
		Content:     messageText(ev),
		MessageType: typ,
		SourceID:    BridgeSourcePrefix + ev.ID,
	}
	if ev.MediaURL != "" {
		up, err := h.download(ctx, ev.MediaURL)
		switch {
		case err == nil:
			req.Attachments = []chatwoot.Upload{up}
		case temporary(err):
			return nil, err
		default:
			h.log.Warn("could not fetch media, posting its link instead", "event", ev.ID, "err", err)
			req.Content = strings.TrimSpace(req.Content + "\n" + ev.MediaURL)
		}
	}
	conv, err := h.resolver.Conversation(ctx, ev.Chat)
	if err != nil {
		return nil, err
	}
	msg, err := h.cw.CreateMessage(ctx, conv, req)
	if chatwoot.IsNotFound(err) {
		// The cached conversation was deleted.
		if err := h.resolver.Forget(ctx, ev.Chat, conv); err != nil {
			return nil, err
		}
		if conv, err = h.resolver.Conversation(ctx, ev.Chat); err != nil {
			return nil, err
		}
		msg, err = h.cw.CreateMessage(ctx, conv, req)
	}
	return msg, err
}

// messageText is what the helpdesk shows for an Ongair message.
func messageText(ev Event) string {
	switch ev.Kind {
	case KindLocation:
		lat := strconv.FormatFloat(ev.Latitude, 'f', -1, 64)
		lng := strconv.FormatFloat(ev.Longitude, 'f', -1, 64)
		text := "Location"
		if ev.Address != "" {
			text += ": " + ev.Address
		}
		return text + "\nhttps://maps.google.com/?q=" + lat + "," + lng
	case KindContactCard:
		return "Contact card: " + ev.ContactCard
	}
	if ev.Sender != "" {
		return ev.Sender + ": " + ev.Text
	}
	return ev.Text
}

// agentMessage mirrors a reply an agent sent from Ongair itself, unless it is
// the echo of a reply the bridge sent.
func (h *Handler) agentMessage(ctx context.Context, ev Event) error {
	if ev.OngairMessageID != "" {
		n, err := h.rdb.Exists(ctx, ongairMessageKey(ev.OngairMessageID)).Result()
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
	msg, err := h.post(ctx, ev, chatwoot.Outgoing)
	if err != nil || ev.OngairMessageID == "" {
		return err
	}
	return h.rememberSent(ctx, ev.OngairMessageID, msg.ConversationID, msg.ID)
}

func (h *Handler) ticketStatus(ctx context.Context, ev Event) error {
	conv, err := h.resolver.Current(ctx, ev.Chat)
	if err != nil {
		return err
	}
	if conv == 0 {
		h.log.Info("ticket status for a chat with no helpdesk conversation, nothing to change", "event", ev.ID)
		return nil
	}
	_, err = h.cw.ToggleStatus(ctx, conv, ev.Status)
	if chatwoot.IsNotFound(err) {
		return h.resolver.Forget(ctx, ev.Chat, conv)
	}
	if err != nil {
		return err
	}
	if ev.Status == "resolved" {
		return h.resolver.Forget(ctx, ev.Chat, conv)
	}
	return h.resolver.Remember(ctx, ev.Chat, conv)
}

func (h *Handler) receipt(ctx context.Context, ev Event) error {
	conv, msg, err := h.sentMessage(ctx, ev.OngairMessageID)
	if err != nil || conv == 0 {
		return err
	}
	return h.setStatus(ctx, conv, msg, "delivered", "")
}

// setStatus updates a helpdesk message's status. Helpdesks before Chatwoot
// 4.2 lack the call, and a deleted message cannot be updated: those are
// logged, not retried.
func (h *Handler) setStatus(ctx context.Context, conv, msg int64, status, externalError string) error {
	err := h.cw.UpdateMessageStatus(ctx, conv, msg, status, externalError)
	if err != nil && !temporary(err) {
		h.log.Warn("helpdesk did not take the message status", "conversation", conv, "message", msg, "status", status, "err", err)
		return nil
	}
	return err
}

func (h *Handler) rememberSent(ctx context.Context, ongairID string, conv, msg int64) error {
	return h.rdb.Set(ctx, ongairMessageKey(ongairID), fmt.Sprintf("%d:%d", conv, msg), sentTTL).Err()
}

func (h *Handler) sentMessage(ctx context.Context, ongairID string) (conv, msg int64, err error) {
	v, err := h.rdb.Get(ctx, ongairMessageKey(ongairID)).Result()
	if errors.Is(err, redis.Nil) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	c, m, _ := strings.Cut(v, ":")
	conv, _ = strconv.ParseInt(c, 10, 64)
	msg, _ = strconv.ParseInt(m, 10, 64)
	return conv, msg, nil
}
