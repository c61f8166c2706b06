package bridge

import (
	"strings"
	"testing"

	"github.com/ongair-bridge/ongair-bridge/chatwoot"
	"github.com/ongair-bridge/ongair-bridge/ongair"
)

func f64(v float64) *float64 { return &v }

func TestFromOngair(t *testing.T) {
	wa := Chat{ID: "+254722200200", Phone: "+254722200200"}
	tests := []struct {
		name   string
		n      ongair.Notification
		want   Event
		reason string
		err    string
	}{
		{
			name: "message, first document",
			n:    ongair.Notification{Type: "MessageReceived", PhoneNumber: "254722200200", Text: "Hello", Account: "254711", ID: "3443"},
			want: Event{ID: "ongair:MessageReceived:3443", Kind: KindText, Chat: wa, Text: "Hello", OngairMessageID: "3443"},
		},
		{
			name: "message, second document",
			n: ongair.Notification{Type: "MessageReceived", ExternalContactID: "+254722200200", Name: "John", Text: "Hi",
				ID: "1", ConversationID: "9", AccountType: "WhatsApp"},
			want: Event{ID: "ongair:MessageReceived:1", Kind: KindText, Chat: Chat{ID: "+254722200200", Phone: "+254722200200", Name: "John", Channel: "WhatsApp"},
				Text: "Hi", OngairMessageID: "1", OngairConversationID: "9"},
		},
		{
			name: "telegram user",
			n:    ongair.Notification{Type: "MessageReceived", ExternalContactID: "123455677", Text: "Hi", ID: "2", AccountType: "Telegram"},
			want: Event{ID: "ongair:MessageReceived:2", Kind: KindText, Chat: Chat{ID: "123455677", Channel: "Telegram"}, Text: "Hi", OngairMessageID: "2"},
		},
		{
			name: "group message",
			n:    ongair.Notification{Type: "GroupMessageReceived", PhoneNumber: "254722200200", GroupID: "18", Text: "Yo", ID: "5"},
			want: Event{ID: "ongair:GroupMessageReceived:5", Kind: KindText, Chat: Chat{ID: "18", Group: true}, Sender: "+254722200200", Text: "Yo", OngairMessageID: "5"},
		},
		{
			name: "image with caption",
			n:    ongair.Notification{Type: "ImageReceived", PhoneNumber: "254722200200", Image: "https://cdn/1.jpg", Caption: "look", ID: "6"},
			want: Event{ID: "ongair:ImageReceived:6", Kind: KindImage, Chat: wa, MediaURL: "https://cdn/1.jpg", Text: "look", OngairMessageID: "6"},
		},
		{
			name: "location without id",
			n:    ongair.Notification{Type: "LocationReceived", PhoneNumber: "254722200200", Address: "Mombasa Road", Latitude: f64(-1.3), Longitude: f64(36.8)},
			want: Event{ID: "ongair:LocationReceived:new:", Kind: KindLocation, Chat: wa, Address: "Mombasa Road", Latitude: -1.3, Longitude: 36.8},
		},
		{
			name: "contact card",
			n:    ongair.Notification{Type: "ContactReceived", PhoneNumber: "254722200200", ContactPhoneNumber: "0706866564"},
			want: Event{ID: "ongair:ContactReceived:new:", Kind: KindContactCard, Chat: wa, ContactCard: "0706866564"},
		},
		{
			name: "ticket closed",
			n:    ongair.Notification{Type: "TicketStatusUpdated", ExternalContactID: "+254722200200", Status: "Closed", ConversationID: "9", ID: "3"},
			want: Event{ID: "ongair:TicketStatusUpdated:new:", Kind: KindTicketStatus, Chat: wa, Status: "resolved", OngairMessageID: "3", OngairConversationID: "9"},
		},
		{
			name: "receipt",
			n:    ongair.Notification{Type: "DeliveryReceipt", PhoneNumber: "254722200200", ID: "2067"},
			want: Event{ID: "ongair:DeliveryReceipt:2067", Kind: KindReceipt, Chat: wa, OngairMessageID: "2067"},
		},
		{name: "not bridged", n: ongair.Notification{Type: "AddedToGroup", GroupID: "27"}, reason: "not bridged"},
		{name: "no contact", n: ongair.Notification{Type: "MessageReceived", Text: "x"}, err: "no contact"},
		{name: "no text", n: ongair.Notification{Type: "MessageReceived", PhoneNumber: "254722200200"}, err: "no text"},
		{name: "bad status", n: ongair.Notification{Type: "TicketStatusUpdated", PhoneNumber: "254722200200", Status: "Gone"}, err: "status"},
		{name: "location without coordinates", n: ongair.Notification{Type: "LocationReceived", PhoneNumber: "254722200200"}, err: "latitude"},
		{name: "receipt without id", n: ongair.Notification{Type: "DeliveryReceipt", PhoneNumber: "254722200200"}, err: "message id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, reason, err := FromOngair(&tc.n)
			if tc.err != "" || err != nil {
				if err == nil || !strings.Contains(err.Error(), tc.err) || tc.err == "" {
					t.Fatalf("err = %v, want one about %q", err, tc.err)
				}
				return
			}
			if tc.reason != "" || reason != "" {
				if !strings.Contains(reason, tc.reason) || tc.reason == "" {
					t.Fatalf("reason = %q, want %q", reason, tc.reason)
				}
				return
			}
			if strings.HasSuffix(tc.want.ID, ":new:") {
				if !strings.HasPrefix(got.ID, tc.want.ID) || len(got.ID) <= len(tc.want.ID) {
					t.Errorf("ID = %q, want a fresh id after %q", got.ID, tc.want.ID)
				}
				got.ID = tc.want.ID
			}
			if got.Chat != tc.want.Chat {
				t.Errorf("chat = %+v, want %+v", got.Chat, tc.want.Chat)
			}
			got.Chat, tc.want.Chat = Chat{}, Chat{}
			if !equalEvents(got, tc.want) {
				t.Errorf("event = %+v\nwant    %+v", got, tc.want)
			}
		})
	}
}

func equalEvents(a, b Event) bool {
	if len(a.Attachments) != len(b.Attachments) {
		return false
	}
	for i := range a.Attachments {
		if a.Attachments[i] != b.Attachments[i] {
			return false
		}
	}
	a.Attachments, b.Attachments = nil, nil
	return a.ID == b.ID && a.Kind == b.Kind && a.Chat == b.Chat && a.Sender == b.Sender && a.Text == b.Text &&
		a.MediaURL == b.MediaURL && a.Address == b.Address && a.Latitude == b.Latitude && a.Longitude == b.Longitude &&
		a.ContactCard == b.ContactCard && a.Status == b.Status && a.OngairMessageID == b.OngairMessageID &&
		a.OngairConversationID == b.OngairConversationID && a.ConversationID == b.ConversationID && a.MessageID == b.MessageID
}

func TestFromChatwoot(t *testing.T) {
	const inbox = 7
	conv := func(source string) *chatwoot.Conversation {
		return &chatwoot.Conversation{ID: 12, InboxID: inbox, ContactInbox: &chatwoot.ContactInbox{SourceID: source}}
	}
	msg := func(mod func(w *chatwoot.WebhookEvent)) *chatwoot.WebhookEvent {
		w := &chatwoot.WebhookEvent{Event: "message_created", ID: 55, Content: "Hello", MessageType: chatwoot.Outgoing,
			Inbox: &chatwoot.Inbox{ID: inbox}, Conversation: conv("ongair:+254722200200")}
		if mod != nil {
			mod(w)
		}
		return w
	}
	wa := Chat{ID: "+254722200200", Phone: "+254722200200"}
	tests := []struct {
		name   string
		w      *chatwoot.WebhookEvent
		want   Event
		reason string
	}{
		{name: "agent reply", w: msg(nil),
			want: Event{ID: "chatwoot:message:55", Kind: KindReply, Chat: wa, Text: "Hello", ConversationID: 12, MessageID: 55}},
		{name: "template", w: msg(func(w *chatwoot.WebhookEvent) { w.MessageType = chatwoot.Template }),
			want: Event{ID: "chatwoot:message:55", Kind: KindReply, Chat: wa, Text: "Hello", ConversationID: 12, MessageID: 55}},
		{name: "group", w: msg(func(w *chatwoot.WebhookEvent) { w.Conversation = conv("ongair:group:18") }),
			want: Event{ID: "chatwoot:message:55", Kind: KindReply, Chat: Chat{ID: "18", Group: true}, Text: "Hello", ConversationID: 12, MessageID: 55}},
		{name: "attachment only", w: msg(func(w *chatwoot.WebhookEvent) {
			w.Content = ""
			w.Attachments = []chatwoot.Attachment{{FileType: "image", ContentType: "image/png", DataURL: "https://h/x.png"}}
		}), want: Event{ID: "chatwoot:message:55", Kind: KindReply, Chat: wa, ConversationID: 12, MessageID: 55,
			Attachments: []Attachment{{URL: "https://h/x.png", FileType: "image", ContentType: "image/png"}}}},
		{name: "agent-started conversation routed by phone", w: msg(func(w *chatwoot.WebhookEvent) {
			w.Conversation = &chatwoot.Conversation{ID: 12, InboxID: inbox, ContactInbox: &chatwoot.ContactInbox{SourceID: "3f1e-uuid"},
				Meta: chatwoot.ConversationMeta{Sender: &chatwoot.Sender{PhoneNumber: "+254722200200"}}}
		}), want: Event{ID: "chatwoot:message:55", Kind: KindReply, Chat: wa, Text: "Hello", ConversationID: 12, MessageID: 55}},
		{name: "incoming", w: msg(func(w *chatwoot.WebhookEvent) { w.MessageType = chatwoot.Incoming }), reason: "incoming"},
		{name: "activity", w: msg(func(w *chatwoot.WebhookEvent) { w.MessageType = chatwoot.Activity }), reason: "activity"},
		{name: "private note", w: msg(func(w *chatwoot.WebhookEvent) { w.Private = true }), reason: "private"},
		{name: "made by the bridge", w: msg(func(w *chatwoot.WebhookEvent) { w.SourceID = BridgeSourcePrefix + "x" }), reason: "bridge"},
		{name: "other inbox", w: msg(func(w *chatwoot.WebhookEvent) { w.Inbox.ID = 8; w.Conversation.InboxID = 8 }), reason: "inbox"},
		{name: "unroutable", w: msg(func(w *chatwoot.WebhookEvent) { w.Conversation = conv("web-widget-uuid") }), reason: "not with an Ongair chat"},
		{name: "empty", w: msg(func(w *chatwoot.WebhookEvent) { w.Content = " " }), reason: "neither text"},
		{name: "message updated", w: msg(func(w *chatwoot.WebhookEvent) { w.Event = "message_updated" }), reason: "not bridged"},
		{name: "resolved", w: &chatwoot.WebhookEvent{Event: "conversation_status_changed", ID: 12, Status: "resolved", InboxID: inbox,
			ContactInbox: &chatwoot.ContactInbox{SourceID: "ongair:+254722200200"}},
			want: Event{ID: "chatwoot:status:", Kind: KindConversationStatus, Chat: wa, ConversationID: 12, Status: "resolved"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := FromChatwoot(tc.w, inbox)
			if tc.reason != "" || reason != "" {
				if tc.reason == "" || !strings.Contains(reason, tc.reason) {
					t.Fatalf("reason = %q, want one about %q", reason, tc.reason)
				}
				return
			}
			if tc.want.Kind == KindConversationStatus {
				if !strings.HasPrefix(got.ID, tc.want.ID) {
					t.Errorf("ID = %q", got.ID)
				}
				got.ID = tc.want.ID
			}
			if !equalEvents(got, tc.want) {
				t.Errorf("event = %+v\nwant    %+v", got, tc.want)
			}
		})
	}
}

// FuzzOngairWebhook feeds arbitrary bodies through the whole inbound parse:
// the parser and the converter must never panic, and what they accept must
// be routable.
func FuzzOngairWebhook(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "notification_type=MessageReceived&phone_number=254722200200&text=Hello&id=1")
	f.Add("application/x-www-form-urlencoded", "notification_type=GroupMessageReceived&phone_number=254722200200&group_id=18&text=x")
	f.Add("application/x-www-form-urlencoded", "notification_type=LocationReceived&phone_number=2547&latitude=-1.3&longitude=36.8")
	f.Add("application/json", `{"notification_type":"MessageSent","id":3443,"external_contact_id":"123","account_type":"Telegram","text":"hi"}`)
	f.Add("application/json", `{"notification_type":"TicketStatusUpdated","external_contact_id":"+254722200200","status":"Closed"}`)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		n, err := ongair.ParseNotification(contentType, []byte(body))
		if err != nil {
			return
		}
		ev, reason, err := FromOngair(n)
		if err != nil || reason != "" {
			return
		}
		if ev.ID == "" || ev.Chat.ID == "" {
			t.Fatalf("accepted event without id or chat: %+v", ev)
		}
		if _, ok := ParseSourceID(ev.Chat.SourceID()); !ok {
			t.Fatalf("chat %+v has a source_id that does not parse back", ev.Chat)
		}
	})
}

func TestReplyParts(t *testing.T) {
	img := Attachment{URL: "https://h/a.png", FileType: "image", ContentType: "image/png"}
	img2 := Attachment{URL: "https://h/b.jpg", FileType: "image"}
	pdf := Attachment{URL: "https://h/c.pdf", FileType: "file", ContentType: "application/pdf"}
	tests := []struct {
		name string
		ev   Event
		want []part
	}{
		{"text", Event{Text: "hi"}, []part{{text: "hi"}}},
		{"image with caption", Event{Text: "look", Attachments: []Attachment{img}}, []part{{text: "look", image: img.URL, contentType: "image/png"}}},
		{"two images", Event{Text: "look", Attachments: []Attachment{img, img2}},
			[]part{{text: "look", image: img.URL, contentType: "image/png"}, {image: img2.URL, contentType: "image/jpeg"}}},
		{"file as link", Event{Text: "contract", Attachments: []Attachment{pdf}}, []part{{text: "contract\n" + pdf.URL}}},
		{"image and file", Event{Text: "both", Attachments: []Attachment{img, pdf}},
			[]part{{text: "both", image: img.URL, contentType: "image/png"}, {text: pdf.URL}}},
		{"group gets links", Event{Chat: Chat{ID: "18", Group: true}, Text: "see", Attachments: []Attachment{img}}, []part{{text: "see\n" + img.URL}}},
	}
	for _, tc := range tests {
		got := replyParts(tc.ev)
		if len(got) != len(tc.want) {
			t.Errorf("%s: parts = %+v, want %+v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: part %d = %+v, want %+v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

func TestMessageText(t *testing.T) {
	tests := []struct {
		ev   Event
		want string
	}{
		{Event{Kind: KindText, Text: "hi"}, "hi"},
		{Event{Kind: KindText, Sender: "+2547", Text: "hi"}, "+2547: hi"},
		{Event{Kind: KindLocation, Address: "Mombasa Road", Latitude: -1.3292233, Longitude: 36.8772923}, "Location: Mombasa Road\nhttps://maps.google.com/?q=-1.3292233,36.8772923"},
		{Event{Kind: KindLocation, Latitude: 1, Longitude: 2}, "Location\nhttps://maps.google.com/?q=1,2"},
		{Event{Kind: KindContactCard, ContactCard: "0706866564"}, "Contact card: 0706866564"},
	}
	for _, tc := range tests {
		if got := messageText(tc.ev); got != tc.want {
			t.Errorf("messageText(%+v) = %q, want %q", tc.ev, got, tc.want)
		}
	}
}
