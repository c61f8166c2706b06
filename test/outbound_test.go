package test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/ongair-bridge/ongair-bridge/test/fakechatwoot"
	"github.com/ongair-bridge/ongair-bridge/test/fakeongair"
)

// A customer writes, an agent answers, Ongair delivers: the answer reaches
// the customer and the helpdesk shows it sent, then delivered.
func TestReplyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []option
	}{
		{"signed webhooks, numeric ids", nil},
		{"unsigned webhooks (OneHash), string ids", []option{withoutSignature(), withStringIDs()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, tc.opts...)
			conv := h.firstConversation()
			reply, err := h.cw.AgentReply(conv.ID, "How can we help?")
			if err != nil {
				t.Fatal(err)
			}
			h.waitOG("the reply sent", func() bool { return len(h.og.Sent()) == 1 })
			s := h.og.Sent()[0]
			if s.Kind != "text" || s.PhoneNumber != customer || s.Text != "How can we help?" {
				t.Errorf("sent = %+v, want the text to %s", s, customer)
			}
			h.waitCW("status sent", func() bool { return h.message(conv.ID, reply.ID).Status == "sent" })

			h.notify(map[string]string{"notification_type": "DeliveryReceipt", "phone_number": customer, "id": strconv.Itoa(s.ID)})
			h.waitCW("status delivered", func() bool { return h.message(conv.ID, reply.ID).Status == "delivered" })
			if n := len(h.cw.Messages(conv.ID)); n != 2 {
				t.Errorf("conversation has %d messages, want 2", n)
			}
		})
	}
}

func (h *harness) message(conv, id int64) fakechatwoot.Message {
	for _, m := range h.cw.Messages(conv) {
		if m.ID == id {
			return m
		}
	}
	h.t.Fatalf("no message %d in conversation %d", id, conv)
	return fakechatwoot.Message{}
}

// Images go to send_image with their URL and type; other files as a link.
func TestReplyWithAttachments(t *testing.T) {
	h := start(t)
	conv := h.firstConversation()
	if _, err := h.cw.AgentReplyWithAttachment(conv.ID, "Our price list", fakechatwoot.Attachment{
		FileType: "image", ContentType: "image/png", FileName: "prices.png", Data: []byte("png"),
	}); err != nil {
		t.Fatal(err)
	}
	h.waitOG("the image sent", func() bool { return len(h.og.Sent()) == 1 })
	if s := h.og.Sent()[0]; s.Kind != "image" || s.ContentType != "image/png" || s.Text != "Our price list" || !strings.Contains(s.Image, "prices.png") {
		t.Errorf("sent = %+v, want the image with its caption", s)
	}
	if _, err := h.cw.AgentReplyWithAttachment(conv.ID, "The contract", fakechatwoot.Attachment{
		FileType: "file", ContentType: "application/pdf", FileName: "contract.pdf", Data: []byte("%PDF"),
	}); err != nil {
		t.Fatal(err)
	}
	h.waitOG("the file sent", func() bool { return len(h.og.Sent()) == 2 })
	if s := h.og.Sent()[1]; s.Kind != "text" || !strings.HasPrefix(s.Text, "The contract\nhttp") || !strings.Contains(s.Text, "contract.pdf") {
		t.Errorf("sent = %+v, want the text with the file's link", s)
	}
}

// A reply in a group conversation goes to the group.
func TestGroupReply(t *testing.T) {
	h := start(t)
	h.og.AddGroup("18")
	h.notify(map[string]string{"notification_type": "GroupMessageReceived", "phone_number": customer, "group_id": "18", "text": "Hello group", "id": "500"})
	conv, _ := h.waitMessages(1)
	if _, err := h.cw.AgentReply(conv.ID, "Hello everyone"); err != nil {
		t.Fatal(err)
	}
	h.waitOG("the group message", func() bool { return len(h.og.Sent()) == 1 })
	if s := h.og.Sent()[0]; s.Kind != "group" || s.GroupID != "18" || s.Text != "Hello everyone" {
		t.Errorf("sent = %+v", s)
	}
}

// Private notes, incoming messages and the bridge's own messages never go to
// Ongair; a bot's reply does.
func TestOnlyAgentRepliesForwarded(t *testing.T) {
	h := start(t)
	conv := h.firstConversation() // an incoming message the bridge created: its webhook came back
	if _, err := h.cw.PrivateNote(conv.ID, "internal: VIP customer"); err != nil {
		t.Fatal(err)
	}
	h.notify(map[string]string{"notification_type": "MessageSent", "id": "7001", "text": "from Ongair's dashboard",
		"external_contact_id": customerE164, "account_type": "WhatsApp"})
	h.waitMessages(3)
	if err := h.cw.WaitWebhooks(ctxTimeout(t)); err != nil {
		t.Fatal(err)
	}
	// The bot's reply is queued behind everything above in the chat's mailbox.
	if _, err := h.cw.BotReply(conv.ID, "A bot answer"); err != nil {
		t.Fatal(err)
	}
	h.waitOG("the bot reply", func() bool { return len(h.og.Sent()) >= 1 })
	h.settle()
	if sent := h.og.Sent(); len(sent) != 1 || sent[0].Text != "A bot answer" {
		t.Errorf("Ongair sent %+v, want only the bot's answer", sent)
	}
}

// Ongair echoes what the bridge sent as MessageSent, even before answering
// the send call: the echo is matched, not mirrored.
func TestOngairEchoNotDuplicated(t *testing.T) {
	h := start(t, withEcho())
	conv := h.firstConversation()
	if _, err := h.cw.AgentReply(conv.ID, "Echo me"); err != nil {
		t.Fatal(err)
	}
	h.waitOG("the reply sent", func() bool { return len(h.og.Sent()) == 1 })
	h.settle()
	if msgs := h.cw.Messages(conv.ID); len(msgs) != 2 {
		t.Errorf("conversation has %d messages %+v, want the customer's and the agent's only", len(msgs), msgs)
	}
}

// The same helpdesk webhook delivered twice sends once.
func TestDuplicateHelpdeskWebhook(t *testing.T) {
	h := start(t, withoutSignature())
	conv := h.firstConversation()
	payload := map[string]any{
		"event": "message_created", "id": 999, "content": "Sent once", "message_type": "outgoing", "private": false,
		"source_id": nil, "inbox": map[string]any{"id": inboxID, "name": "Ongair"},
		"sender":       map[string]any{"id": 1, "name": "Agent", "type": "user"},
		"conversation": map[string]any{"id": conv.ID, "inbox_id": inboxID, "contact_inbox": map[string]any{"source_id": "ongair:" + customerE164}},
	}
	for range 3 {
		if status, body := h.postJSON(h.chatwootHook, payload, nil); status != http.StatusOK {
			t.Fatalf("webhook answered %d: %s", status, body)
		}
	}
	h.settle()
	if sent := h.og.Sent(); len(sent) != 1 {
		t.Errorf("Ongair sent %d messages, want 1", len(sent))
	}
}

// A permanent Ongair failure (422, unknown contact) is not retried and
// marks the helpdesk message failed with Ongair's reason.
func TestOngairRejectionMarksMessageFailed(t *testing.T) {
	h := start(t)
	h.notify(map[string]string{"notification_type": "MessageReceived", "phone_number": "254700000001", "text": "hi", "id": "1"})
	conv, _ := h.waitMessages(1)
	reply, err := h.cw.AgentReply(conv.ID, "To an unknown number")
	if err != nil {
		t.Fatal(err)
	}
	h.waitCW("status failed", func() bool { return h.message(conv.ID, reply.ID).Status == "failed" })
	if m := h.message(conv.ID, reply.ID); !strings.Contains(m.ExternalError, "does not exist") {
		t.Errorf("external_error = %q, want Ongair's reason", m.ExternalError)
	}
	h.settle()
	if n := countPath(h.og.Requests(), "/api/v1/base/send"); n != 1 {
		t.Errorf("Ongair got %d send requests, want exactly 1 (no retry)", n)
	}
	h.wantArchived(1)
}

// Transient Ongair failures are retried with backoff; after the last retry
// the task stays archived, the message is marked failed, and the chat's next
// reply still goes out.
func TestOngairOutageExhaustsRetries(t *testing.T) {
	h := start(t, withEnv("MAX_RETRY", "2"))
	conv := h.firstConversation()
	h.og.SetFailing(http.StatusServiceUnavailable)
	reply, err := h.cw.AgentReply(conv.ID, "Lost in the outage?")
	if err != nil {
		t.Fatal(err)
	}
	h.waitCW("status failed", func() bool { return h.message(conv.ID, reply.ID).Status == "failed" })
	// The message is marked failed before Asynq archives the task.
	h.settle()
	if n := countPath(h.og.Requests(), "/api/v1/base/send"); n != 3 {
		t.Errorf("Ongair got %d send attempts, want 3 (1 + MAX_RETRY)", n)
	}
	h.wantArchived(1)

	h.og.SetFailing(0)
	if _, err := h.cw.AgentReply(conv.ID, "After the outage"); err != nil {
		t.Fatal(err)
	}
	h.waitOG("the next reply", func() bool { return len(h.og.Sent()) == 1 })
	if s := h.og.Sent()[0]; s.Text != "After the outage" {
		t.Errorf("sent %+v", s)
	}
}

// Replies to one customer reach Ongair in order, also across a failure.
func TestRepliesInOrderAcrossOngairFailure(t *testing.T) {
	h := start(t)
	conv := h.firstConversation()
	h.og.FailNext(3, http.StatusBadGateway)
	want := []string{"one", "two", "three", "four", "five"}
	for _, text := range want {
		if _, err := h.cw.AgentReply(conv.ID, text); err != nil {
			t.Fatal(err)
		}
	}
	h.waitOG("five replies", func() bool { return len(h.og.Sent()) == len(want) })
	for i, s := range h.og.Sent() {
		if s.Text != want[i] {
			t.Fatalf("reply %d = %q, want %q (order %+v)", i, s.Text, want[i], h.og.Sent())
		}
	}
}

func (h *harness) wantArchived(n int) {
	h.t.Helper()
	tasks, err := asynq.NewInspectorFromRedisClient(h.rdb).ListArchivedTasks("default")
	if err != nil || len(tasks) != n {
		h.t.Fatalf("archived tasks = %d (%v), want %d", len(tasks), err, n)
	}
	if tasks[0].LastErr == "" || tasks[0].LastFailedAt.After(time.Now()) {
		h.t.Errorf("archived task %+v has no error", tasks[0])
	}
}

func countPath(reqs []fakeongair.Request, path string) int {
	n := 0
	for _, r := range reqs {
		if r.Path == path {
			n++
		}
	}
	return n
}
