package test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ongair-bridge/ongair-bridge/test/fakechatwoot"
)

// Every notification type that carries a customer message, in both Ongair
// documents' field sets, ends up as one incoming helpdesk message in the
// customer's conversation.
func TestIncomingNotificationTypes(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n fake image bytes")
	tests := []struct {
		name   string
		fields map[string]string
		json   bool
		check  func(t *testing.T, h *harness, m fakechatwoot.Message)
	}{
		{
			name:   "MessageReceived, first document",
			fields: map[string]string{"notification_type": "MessageReceived", "phone_number": customer, "text": "Hello world", "account": "254711000000", "id": "3443"},
			check:  wantContent("Hello world"),
		},
		{
			name: "MessageReceived, second document",
			fields: map[string]string{"notification_type": "MessageReceived", "id": "3444", "name": "John", "text": "Hello again",
				"external_contact_id": customerE164, "conversation_id": "1", "account_type": "WhatsApp"},
			check: wantContent("Hello again"),
		},
		{
			name:   "MessageReceived as JSON",
			fields: map[string]string{"notification_type": "MessageReceived", "id": "3445", "text": "JSON hello", "external_contact_id": customerE164, "account_type": "WhatsApp"},
			json:   true,
			check:  wantContent("JSON hello"),
		},
		{
			name:   "ImageReceived",
			fields: map[string]string{"notification_type": "ImageReceived", "phone_number": customer, "account": "254711000000", "id": "3446", "image": "MEDIA"},
			check: func(t *testing.T, h *harness, m fakechatwoot.Message) {
				if len(m.Attachments) != 1 || !bytes.Equal(m.Attachments[0].Data, png) || m.Attachments[0].FileType != "image" {
					t.Errorf("attachments = %+v, want the image uploaded", m.Attachments)
				}
			},
		},
		{
			name: "LocationReceived",
			fields: map[string]string{"notification_type": "LocationReceived", "phone_number": customer, "address": "Mombasa Road",
				"latitude": "-1.3292233", "longitude": "36.8772923"},
			check: wantContent("Location: Mombasa Road\nhttps://maps.google.com/?q=-1.3292233,36.8772923"),
		},
		{
			name:   "ContactReceived",
			fields: map[string]string{"notification_type": "ContactReceived", "phone_number": customer, "contact_phone_number": "0706866564", "account": "254711000000"},
			check:  wantContent("Contact card: 0706866564"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t)
			if tc.fields["image"] == "MEDIA" {
				tc.fields["image"] = h.og.AddMedia("photo.png", "image/png", png)
			}
			if tc.json {
				fields := map[string]any{}
				for k, v := range tc.fields {
					fields[k] = v
				}
				if status, body := h.postJSON(h.ongairHook, fields, nil); status != http.StatusOK {
					t.Fatalf("JSON webhook answered %d: %s", status, body)
				}
			} else {
				h.notify(tc.fields)
			}
			conv, msgs := h.waitMessages(1)
			m := msgs[0]
			if m.MessageType != "incoming" || m.Private || !strings.HasPrefix(m.SourceID, "ongair-bridge:") {
				t.Errorf("message = %+v, want a public incoming message marked as the bridge's", m)
			}
			tc.check(t, h, m)

			contacts := h.cw.Contacts()
			if len(contacts) != 1 || contacts[0].PhoneNumber != customerE164 || contacts[0].Identifier != customerE164 {
				t.Fatalf("contacts = %+v, want one with phone and identifier %s", contacts, customerE164)
			}
			if conv.SourceID != "ongair:"+customerE164 || conv.InboxID != inboxID || conv.ContactID != contacts[0].ID {
				t.Errorf("conversation = %+v, want the contact's in inbox %d with source_id ongair:%s", conv, inboxID, customerE164)
			}
			h.settle()
		})
	}
}

func wantContent(want string) func(*testing.T, *harness, fakechatwoot.Message) {
	return func(t *testing.T, _ *harness, m fakechatwoot.Message) {
		t.Helper()
		if m.Content != want {
			t.Errorf("content = %q, want %q", m.Content, want)
		}
	}
}

// A group gets one contact of its own; each message says who wrote it.
func TestGroupMessageReceived(t *testing.T) {
	h := start(t)
	h.notify(map[string]string{"notification_type": "GroupMessageReceived", "phone_number": customer, "group_id": "18", "text": "Hello group", "account": "254711000000", "id": "500"})
	h.notify(map[string]string{"notification_type": "GroupMessageReceived", "phone_number": "254733171036", "group_id": "18", "text": "Me too", "account": "254711000000", "id": "501"})
	conv, msgs := h.waitMessages(2)
	if msgs[0].Content != customerE164+": Hello group" || msgs[1].Content != "+254733171036: Me too" {
		t.Errorf("contents = %q, %q; want the senders shown", msgs[0].Content, msgs[1].Content)
	}
	contacts := h.cw.Contacts()
	if len(contacts) != 1 || contacts[0].Identifier != "group:18" || contacts[0].PhoneNumber != "" {
		t.Errorf("contacts = %+v, want one group contact", contacts)
	}
	if conv.SourceID != "ongair:group:18" {
		t.Errorf("conversation source_id = %q", conv.SourceID)
	}
}

// Notifications the bridge does not bridge are acknowledged and change
// nothing.
func TestOtherNotificationsAcknowledged(t *testing.T) {
	h := start(t)
	for _, typ := range []string{"AddedToGroup", "RemovedFromGroup", "ContactAddedToGroup", "ContactRemovedFromGroup", "GroupCreated", "SyncResult", "SomethingNew"} {
		status, body := h.notifyStatus(map[string]string{"notification_type": typ, "group_id": "27", "account": "254711000000"})
		if status != http.StatusOK || !strings.Contains(body, "ignored") {
			t.Errorf("%s answered %d %s, want 200 ignored", typ, status, body)
		}
	}
	h.settle()
	if n := len(h.cw.Requests()); n != 0 {
		t.Errorf("the helpdesk got %d requests, want none", n)
	}
}

// Once the contact and conversation are known, a message costs one helpdesk
// call.
func TestSteadyStateCostsOneHelpdeskCall(t *testing.T) {
	h := start(t)
	h.firstConversation()
	before := len(h.cw.Requests())
	h.notify(received("9002", "second"))
	h.waitMessages(2)
	reqs := h.cw.Requests()[before:]
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || !strings.HasSuffix(reqs[0].Path, "/messages") {
		t.Errorf("second message cost %d helpdesk calls %+v, want one message create", len(reqs), reqs)
	}
}

// Losing the cache costs lookups, not a second contact or conversation.
func TestLostCacheFindsExistingContact(t *testing.T) {
	h := start(t)
	h.firstConversation()
	if err := h.rdb.Del(t.Context(), "ob:chat:"+customerE164).Err(); err != nil {
		t.Fatal(err)
	}
	h.notify(received("9002", "after cache loss"))
	h.waitMessages(2)
	if n, c := len(h.cw.Contacts()), len(h.cw.Conversations()); n != 1 || c != 1 {
		t.Errorf("%d contacts and %d conversations, want one of each", n, c)
	}
}

// A contact an agent created with the customer's number is taken over, not
// duplicated.
func TestExistingContactWithSamePhoneIsAdopted(t *testing.T) {
	h := start(t)
	seeded, err := h.cw.AddContact(fakechatwoot.Contact{Name: "Jane from the CRM", PhoneNumber: customerE164})
	if err != nil {
		t.Fatal(err)
	}
	h.firstConversation()
	contacts := h.cw.Contacts()
	if len(contacts) != 1 || contacts[0].ID != seeded.ID {
		t.Errorf("contacts = %+v, want only the seeded one", contacts)
	}
	if conv := h.cw.Conversations()[0]; conv.ContactID != seeded.ID || conv.SourceID != "ongair:"+customerE164 {
		t.Errorf("conversation = %+v", conv)
	}
}

// TicketStatusUpdated toggles the conversation; after Closed the next
// message opens a new one.
func TestTicketStatusUpdated(t *testing.T) {
	h := start(t)
	conv := h.firstConversation()
	for _, tc := range []struct{ ongair, want string }{{"Pending", "pending"}, {"Open", "open"}, {"Closed", "resolved"}} {
		h.notify(map[string]string{"notification_type": "TicketStatusUpdated", "external_contact_id": customerE164,
			"conversation_id": "1", "status": tc.ongair, "account_type": "WhatsApp"})
		h.waitCW("status "+tc.want, func() bool { return h.cw.Conversations()[0].Status == tc.want })
	}
	h.notify(received("9002", "back again"))
	h.waitCW("a new conversation", func() bool {
		convs := h.cw.Conversations()
		return len(convs) == 2 && len(h.cw.Messages(convs[1].ID)) == 1
	})
	if n := len(h.cw.Messages(conv.ID)); n != 1 {
		t.Errorf("the resolved conversation has %d messages, want 1", n)
	}
	status, _ := h.notifyStatus(map[string]string{"notification_type": "TicketStatusUpdated", "external_contact_id": customerE164, "status": "Archived"})
	if status != http.StatusBadRequest {
		t.Errorf("unknown status answered %d, want 400", status)
	}
}

// An agent resolving the conversation in the helpdesk makes the next
// customer message open a new one.
func TestResolvedInHelpdeskStartsNewConversation(t *testing.T) {
	h := start(t)
	conv := h.firstConversation()
	if err := h.cw.SetConversationStatus(conv.ID, "resolved"); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.notify(received("9002", "new question"))
	h.waitCW("a second conversation", func() bool {
		convs := h.cw.Conversations()
		return len(convs) == 2 && len(h.cw.Messages(convs[1].ID)) == 1
	})
}

// A MessageSent from Ongair itself (an agent answered in Ongair's dashboard)
// is mirrored as an outgoing message and not sent back to Ongair.
func TestMessageSentMirrored(t *testing.T) {
	h := start(t)
	h.firstConversation()
	h.notify(map[string]string{"notification_type": "MessageSent", "id": "7001", "text": "Answered from Ongair",
		"external_contact_id": customerE164, "conversation_id": "1", "account_type": "WhatsApp"})
	_, msgs := h.waitMessages(2)
	if m := msgs[1]; m.MessageType != "outgoing" || m.Content != "Answered from Ongair" || !strings.HasPrefix(m.SourceID, "ongair-bridge:") {
		t.Errorf("mirrored message = %+v", m)
	}
	// A receipt for it marks it delivered.
	h.notify(map[string]string{"notification_type": "DeliveryReceipt", "phone_number": customer, "id": "7001"})
	h.waitCW("delivered", func() bool { return h.cw.Messages(msgs[1].ConversationID)[1].Status == "delivered" })
	h.settle()
	if sent := h.og.Sent(); len(sent) != 0 {
		t.Errorf("Ongair was asked to send %+v, want nothing", sent)
	}
}

// The same Ongair event delivered twice gives one helpdesk message.
func TestDuplicateOngairWebhook(t *testing.T) {
	h := start(t)
	for range 3 {
		h.notify(received("4242", "only once"))
	}
	h.notify(received("4243", "barrier"))
	_, msgs := h.waitMessages(2)
	h.settle()
	if msgs = h.cw.Messages(msgs[0].ConversationID); len(msgs) != 2 || msgs[0].Content != "only once" {
		t.Errorf("messages = %+v, want each once", msgs)
	}
	status, body := h.notifyStatus(received("4242", "only once"))
	if status != http.StatusOK || !strings.Contains(body, "duplicate") {
		t.Errorf("redelivery answered %d %s, want 200 duplicate", status, body)
	}
}

// Notifications without an id are each handled (see README).
func TestNotificationsWithoutIDAreEachHandled(t *testing.T) {
	h := start(t)
	for i := range 2 {
		h.notify(map[string]string{"notification_type": "LocationReceived", "phone_number": customer, "address": fmt.Sprint("Stop ", i), "latitude": "1", "longitude": "2"})
	}
	h.waitMessages(2)
}
