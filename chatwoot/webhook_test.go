package chatwoot

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Payloads shaped as NOTES.md describes the API inbox webhook of Chatwoot 4.x.
const (
	hookConversation = `{"additional_attributes":{},"can_reply":true,"channel":"Channel::Api",
		"contact_inbox":{"id":77,"contact_id":42,"inbox_id":3,"source_id":"ongair:254700000001","created_at":"2026-06-01T08:00:00.000Z","hmac_verified":false,"pubsub_token":"tok"},
		"id":10,"inbox_id":3,
		"messages":[{"id":601,"content":"Hi","account_id":7,"inbox_id":3,"conversation_id":10,"message_type":1,"created_at":1781943330,"private":false,"source_id":null,"sender":{"id":1,"type":"user"}}],
		"labels":[],
		"meta":{"sender":{"additional_attributes":{},"custom_attributes":{},"email":null,"id":42,"identifier":"ongair:254700000001","name":"Jane","phone_number":"+254700000001","thumbnail":"","type":"contact"},
		        "assignee":{"id":1,"name":"Agent","available_name":"Agent","avatar_url":"","type":"user","availability_status":"online","thumbnail":""},"team":null,"hmac_verified":false},
		"status":"open","custom_attributes":{},"snoozed_until":null,"unread_count":0,"first_reply_created_at":null,"priority":null,"waiting_since":0,"agent_last_seen_at":0,"contact_last_seen_at":0,"last_activity_at":1781943330,"timestamp":1781943330,"created_at":1781943000,"updated_at":1781943330.5}`
	hookAccount = `"account":{"id":7,"name":"Acme"}`
	hookInbox   = `"inbox":{"id":3,"name":"Ongair"}`
	hookAgent   = `"sender":{"id":1,"name":"Agent","email":"agent@example.com","type":"user"}`
	hookImage   = `"attachments":[{"id":9,"message_id":601,"file_type":"image","account_id":7,"extension":null,"data_url":"https://cw.example/rails/active_storage/blobs/redirect/x/a.png","thumb_url":"https://cw.example/t.png","file_size":2048,"width":640,"height":480}]`

	hookOutgoing = `{"event":"message_created","id":601,"content":"Hello from the agent","content_type":"text","content_attributes":{"in_reply_to":600},
		"message_type":"outgoing","private":false,"source_id":null,"created_at":"2026-06-20T08:15:30.123Z","additional_attributes":{},
		` + hookAccount + `,` + hookInbox + `,` + hookAgent + `,"conversation":` + hookConversation + `,` + hookImage + `}`
	hookIncoming = `{"event":"message_created","id":602,"content":"Habari","content_type":"text","content_attributes":{},
		"message_type":"incoming","private":false,"source_id":"ongair:msg:1","created_at":"2026-06-20T08:16:00Z",
		` + hookAccount + `,` + hookInbox + `,
		"sender":{"id":42,"name":"Jane","avatar":"","account":{"id":7,"name":"Acme"},"additional_attributes":{},"custom_attributes":{},"email":null,"identifier":"ongair:254700000001","phone_number":"+254700000001","thumbnail":"","blocked":false},
		"conversation":` + hookConversation + `}`
	hookPrivate = `{"event":"message_created","id":603,"content":"internal: call her","content_type":"text","content_attributes":{},"message_type":"outgoing","private":true,"source_id":null,
		"created_at":"2026-06-20T08:17:00Z",` + hookAccount + `,` + hookInbox + `,` + hookAgent + `,"conversation":` + hookConversation + `}`
	hookTemplate = `{"event":"message_created","id":604,"content":"How would you rate us?","content_type":"input_csat","content_attributes":{},"message_type":"template","private":false,"source_id":null,
		"created_at":"2026-06-20T08:18:00Z",` + hookAccount + `,` + hookInbox + `,"sender":null,"conversation":` + hookConversation + `}`
	hookBot = `{"event":"message_created","id":605,"content":"I am a bot","content_type":"text","content_attributes":null,"message_type":"outgoing","private":false,"source_id":null,
		"created_at":"2026-06-20T08:19:00Z",` + hookAccount + `,` + hookInbox + `,"sender":{"id":5,"name":"Helper","type":"agent_bot"},"conversation":` + hookConversation + `}`
	hookUpdated = `{"event":"message_updated","id":"601","content":"Hello from the agent","content_type":"text","content_attributes":{"external_error":"Number not on WhatsApp"},
		"message_type":"outgoing","private":false,"source_id":"ongair:out:9","status":"failed",` + hookAccount + `,` + hookInbox + `,` + hookAgent + `,"conversation":` + hookConversation + `}`
)

var (
	hookCreated = `{"event":"conversation_created",` + hookConversation[1:]
	hookStatus  = `{"event":"conversation_status_changed","changed_attributes":[{"status":{"previous_value":"open","current_value":"resolved"}}],` +
		strings.Replace(hookConversation[1:], `"status":"open"`, `"status":"resolved"`, 1)
)

var (
	wantHookContactInbox = &ContactInbox{SourceID: "ongair:254700000001", InboxID: 3, ContactID: 42}
	wantHookMeta         = ConversationMeta{
		Sender:   &Sender{ID: 42, Name: "Jane", Type: "contact", PhoneNumber: "+254700000001", Identifier: "ongair:254700000001"},
		Assignee: &Sender{ID: 1, Name: "Agent", Type: "user"},
	}
	wantHookConversation = &Conversation{ID: 10, InboxID: 3, Status: "open", ContactInbox: wantHookContactInbox, Meta: wantHookMeta}
	wantHookAccount      = &struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}{7, "Acme"}
	wantHookInbox = &Inbox{ID: 3, Name: "Ongair"}
	wantHookAgent = &Sender{ID: 1, Name: "Agent", Email: "agent@example.com", Type: "user"}
)

func TestParseWebhook(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *WebhookEvent
	}{
		{"outgoing by an agent", hookOutgoing, &WebhookEvent{
			Event: "message_created", ID: 601, Content: "Hello from the agent", ContentType: "text", MessageType: Outgoing,
			ContentAttributes: map[string]any{"in_reply_to": float64(600)}, Sender: wantHookAgent,
			Attachments: []Attachment{{ID: 9, FileType: "image", DataURL: "https://cw.example/rails/active_storage/blobs/redirect/x/a.png",
				ThumbURL: "https://cw.example/t.png", FileSize: 2048}},
			Conversation: wantHookConversation, Inbox: wantHookInbox, Account: wantHookAccount,
		}},
		{"incoming by a contact without type", hookIncoming, &WebhookEvent{
			Event: "message_created", ID: 602, Content: "Habari", ContentType: "text", MessageType: Incoming, SourceID: "ongair:msg:1",
			ContentAttributes: map[string]any{},
			Sender:            &Sender{ID: 42, Name: "Jane", PhoneNumber: "+254700000001", Identifier: "ongair:254700000001"},
			Conversation:      wantHookConversation, Inbox: wantHookInbox, Account: wantHookAccount,
		}},
		{"private note", hookPrivate, &WebhookEvent{
			Event: "message_created", ID: 603, Content: "internal: call her", ContentType: "text", MessageType: Outgoing, Private: true,
			ContentAttributes: map[string]any{}, Sender: wantHookAgent, Conversation: wantHookConversation, Inbox: wantHookInbox, Account: wantHookAccount,
		}},
		{"template without sender", hookTemplate, &WebhookEvent{
			Event: "message_created", ID: 604, Content: "How would you rate us?", ContentType: "input_csat", MessageType: Template,
			ContentAttributes: map[string]any{}, Conversation: wantHookConversation, Inbox: wantHookInbox, Account: wantHookAccount,
		}},
		{"bot sender", hookBot, &WebhookEvent{
			Event: "message_created", ID: 605, Content: "I am a bot", ContentType: "text", MessageType: Outgoing,
			Sender: &Sender{ID: 5, Name: "Helper", Type: "agent_bot"}, Conversation: wantHookConversation, Inbox: wantHookInbox, Account: wantHookAccount,
		}},
		{"message updated", hookUpdated, &WebhookEvent{
			Event: "message_updated", ID: 601, Content: "Hello from the agent", ContentType: "text", MessageType: Outgoing, SourceID: "ongair:out:9",
			ContentAttributes: map[string]any{"external_error": "Number not on WhatsApp"}, Sender: wantHookAgent, Status: "failed",
			Conversation: wantHookConversation, Inbox: wantHookInbox, Account: wantHookAccount,
		}},
		{"conversation status changed", hookStatus, &WebhookEvent{
			Event: "conversation_status_changed", ID: 10, Status: "resolved", InboxID: 3, ContactInbox: wantHookContactInbox, Meta: &wantHookMeta,
			ContentAttributes: nil,
		}},
		{"conversation created", hookCreated, &WebhookEvent{
			Event: "conversation_created", ID: 10, Status: "open", InboxID: 3, ContactInbox: wantHookContactInbox, Meta: &wantHookMeta,
		}},
		{"typing", `{"event":"conversation_typing_on","conversation":{"id":10,"inbox_id":3},"user":{"id":1},"is_private":false}`, &WebhookEvent{
			Event: "conversation_typing_on", Conversation: &Conversation{ID: 10, InboxID: 3},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseWebhook([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %s\nwant %s", dump(got), dump(tc.want))
			}
			if id := got.ConversationInboxID(); id != 3 {
				t.Errorf("ConversationInboxID() = %d, want 3", id)
			}
		})
	}
}

func TestParseWebhookErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{``, "not valid JSON"},
		{`{"event":"message_created"`, "not valid JSON"},
		{`{"event":"message_created"} trailing`, "not valid JSON"},
		{`{}`, "has no event"},
		{`null`, "has no event"},
		{`{"event":""}`, "has no event"},
		{`{"id":1,"content":"x"}`, "has no event"},
		{`[]`, "not a Chatwoot payload"},
		{`{"event":5}`, "not a Chatwoot payload"},
		{`{"event":"message_created","sender":"agent"}`, "not a Chatwoot payload"},
		{`{"event":"message_created","id":"abc"}`, "not a Chatwoot payload"},
		{`{"event":"message_created","message_type":true}`, "not a Chatwoot payload"},
	}
	for _, tc := range tests {
		ev, err := ParseWebhook([]byte(tc.body))
		if err == nil || ev != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, %v; want error containing %q", tc.body, ev, err, tc.want)
		}
	}
}

func TestConversationInboxID(t *testing.T) {
	tests := []struct {
		ev   *WebhookEvent
		want int64
	}{
		{nil, 0},
		{&WebhookEvent{}, 0},
		{&WebhookEvent{Inbox: &Inbox{ID: 3}, Conversation: &Conversation{InboxID: 4}, InboxID: 5}, 3},
		{&WebhookEvent{Inbox: &Inbox{}, Conversation: &Conversation{InboxID: 4}, InboxID: 5}, 4},
		{&WebhookEvent{Conversation: &Conversation{}, InboxID: 5}, 5},
	}
	for i, tc := range tests {
		if got := tc.ev.ConversationInboxID(); got != tc.want {
			t.Errorf("%d: ConversationInboxID() = %d, want %d", i, got, tc.want)
		}
	}
}

const (
	testSecret = "whsec_test"
	testTS     = "1781943330"
	testBody   = `{"event":"message_created","id":1}`
	testSig    = "sha256=53e16eb9f2a7903dca95faf2d51b347a12a07ccfe6a24de2f016d5c4fdd1d798"
)

func TestSign(t *testing.T) {
	if got := Sign(testSecret, testTS, []byte(testBody)); got != testSig {
		t.Errorf("Sign() = %s, want %s", got, testSig)
	}
}

func TestVerifySignature(t *testing.T) {
	sent := time.Unix(1781943330, 0)
	const minute = time.Minute
	tests := []struct {
		name      string
		secret    string
		timestamp string
		signature string
		body      string
		now       time.Time
		tolerance time.Duration
		want      string // error substring; "" for valid
	}{
		{"valid", testSecret, testTS, testSig, testBody, sent, 5 * minute, ""},
		{"no prefix", testSecret, testTS, testSig[7:], testBody, sent, 5 * minute, ""},
		{"upper-case hex and prefix", testSecret, testTS, "SHA256=" + strings.ToUpper(testSig[7:]), testBody, sent, 5 * minute, ""},
		{"4 minutes late", testSecret, testTS, testSig, testBody, sent.Add(4 * minute), 5 * minute, ""},
		{"4 minutes early", testSecret, testTS, testSig, testBody, sent.Add(-4 * minute), 5 * minute, ""},
		{"no tolerance, old", testSecret, testTS, testSig, testBody, sent.Add(1000 * time.Hour), 0, ""},
		{"too late", testSecret, testTS, testSig, testBody, sent.Add(6 * minute), 5 * minute, "outside the tolerance"},
		{"too early", testSecret, testTS, testSig, testBody, sent.Add(-6 * minute), 5 * minute, "outside the tolerance"},
		{"far future", testSecret, "9223372036854775807", Sign(testSecret, "9223372036854775807", []byte(testBody)), testBody, sent, 5 * minute, "outside the tolerance"},
		{"far past", testSecret, "-9223372036854775808", Sign(testSecret, "-9223372036854775808", []byte(testBody)), testBody, sent, 5 * minute, "outside the tolerance"},
		{"missing signature", testSecret, testTS, "", testBody, sent, 5 * minute, "signature is missing"},
		{"missing timestamp", testSecret, "", testSig, testBody, sent, 5 * minute, "timestamp is missing"},
		{"timestamp not a number", testSecret, "yesterday", testSig, testBody, sent, 5 * minute, "not a Unix time"},
		{"timestamp in ms is out of tolerance", testSecret, testTS + "000", Sign(testSecret, testTS+"000", []byte(testBody)), testBody, sent, 5 * minute, "outside the tolerance"},
		{"empty secret", "", testTS, testSig, testBody, sent, 5 * minute, "secret is empty"},
		{"wrong secret", "other", testTS, testSig, testBody, sent, 5 * minute, "does not match"},
		{"tampered body", testSecret, testTS, testSig, strings.Replace(testBody, "1", "2", 1), sent, 5 * minute, "does not match"},
		{"tampered timestamp", testSecret, "1781943331", testSig, testBody, sent, 5 * minute, "does not match"},
		{"not hex", testSecret, testTS, "sha256=zz", testBody, sent, 5 * minute, "does not match"},
		{"truncated", testSecret, testTS, testSig[:len(testSig)-2], testBody, sent, 5 * minute, "does not match"},
		{"prefix only", testSecret, testTS, "sha256=", testBody, sent, 5 * minute, "does not match"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignature(tc.secret, tc.timestamp, tc.signature, []byte(tc.body), tc.now, tc.tolerance)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
			if err != nil && tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("secret in error %q", err)
			}
		})
	}
}

func FuzzParseWebhook(f *testing.F) {
	for _, seed := range []string{
		hookOutgoing, hookIncoming, hookPrivate, hookTemplate, hookBot, hookUpdated, hookStatus, hookCreated,
		`{}`, `null`, `[]`, `{"event":"x","id":"1","inbox_id":1.0,"source_id":5,"content_attributes":"{\"a\":1}","account":{"id":"2"}}`,
		`{"event":"x","message_type":3,"conversation":{"meta":null,"contact_inbox":{"source_id":null}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseWebhook(body)
		if (ev == nil) == (err == nil) {
			t.Fatalf("ParseWebhook = %v, %v", ev, err)
		}
		if err == nil && ev.Event == "" {
			t.Fatal("event without a name")
		}
		ev.ConversationInboxID()
	})
}

func FuzzVerifySignature(f *testing.F) {
	f.Add(testSecret, testTS, testSig, []byte(testBody), int64(1781943330), int64(5*time.Minute))
	f.Add("", "", "", []byte(nil), int64(0), int64(0))
	f.Add("s", "-9223372036854775808", "SHA256=00", []byte("{}"), int64(-1<<63), int64(1<<62))
	f.Add("s", "9223372036854775807", "sha256=", []byte("{}"), int64(1<<62), int64(-1))
	f.Fuzz(func(t *testing.T, secret, timestamp, signature string, body []byte, now, tolerance int64) {
		at := time.Unix(now, 0)
		tol := time.Duration(tolerance)
		_ = VerifySignature(secret, timestamp, signature, body, at, tol)
		// Whatever the inputs, our own signature verifies when the
		// timestamp is one and there is no window.
		if _, err := strconv.ParseInt(timestamp, 10, 64); err == nil && secret != "" {
			if err := VerifySignature(secret, timestamp, Sign(secret, timestamp, body), body, at, 0); err != nil {
				t.Fatalf("own signature rejected: %v", err)
			}
		}
	})
}
