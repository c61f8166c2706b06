package fakechatwoot

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ongair-bridge/ongair-bridge/chatwoot"
)

const (
	token   = "test-token"
	account = 3
	inbox   = 7
	phone   = "+254700000001"
)

func newFake(t *testing.T) (*Server, *chatwoot.Client) {
	t.Helper()
	s := New(Config{Token: token, AccountID: account, InboxID: inbox})
	t.Cleanup(s.Close)
	return s, chatwoot.New(s.URL(), token, account)
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func statusOf(err error) int {
	var e *chatwoot.Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

func TestCreateContactValidation(t *testing.T) {
	tests := []struct {
		name    string
		req     chatwoot.CreateContactRequest
		status  int
		message string
		attrs   []string
	}{
		{"valid", chatwoot.CreateContactRequest{Name: "Joe", PhoneNumber: "+254700000002", Identifier: "joe"}, 200, "", nil},
		{"phone not E.164", chatwoot.CreateContactRequest{PhoneNumber: "0700000002"}, 422, "Phone number should be in e164 format", []string{"phone_number"}},
		{"phone without plus", chatwoot.CreateContactRequest{PhoneNumber: "254700000002"}, 422, "Phone number should be in e164 format", []string{"phone_number"}},
		{"duplicate identifier", chatwoot.CreateContactRequest{Identifier: phone}, 422, "Identifier has already been taken", []string{"identifier"}},
		{"duplicate phone", chatwoot.CreateContactRequest{PhoneNumber: phone}, 422, "Phone number has already been taken", []string{"phone_number"}},
		{"duplicate email, other case", chatwoot.CreateContactRequest{Email: "Jane@Example.com"}, 422, "Email has already been taken", []string{"email"}},
		{"two duplicates", chatwoot.CreateContactRequest{Identifier: phone, PhoneNumber: phone}, 422,
			"Identifier has already been taken, Phone number has already been taken", []string{"identifier", "phone_number"}},
		{"unknown inbox", chatwoot.CreateContactRequest{InboxID: 99, Identifier: "x"}, 404, "Resource could not be found", nil},
		{"source_id of another contact", chatwoot.CreateContactRequest{InboxID: inbox, SourceID: "jane-src", Identifier: "y"}, 500, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, cw := newFake(t)
			jane, err := s.AddContact(Contact{Name: "Jane", Email: "jane@example.com", PhoneNumber: phone, Identifier: phone})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cw.CreateContactInbox(ctxFor(t), jane.ID, inbox, "jane-src"); err != nil {
				t.Fatal(err)
			}
			_, err = cw.CreateContact(ctxFor(t), tc.req)
			if tc.status == 200 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var e *chatwoot.Error
			if !errors.As(err, &e) || e.StatusCode != tc.status {
				t.Fatalf("err = %v, want status %d", err, tc.status)
			}
			if tc.message != "" && e.Message() != tc.message {
				t.Errorf("message = %q, want %q", e.Message(), tc.message)
			}
			if !slices.Equal(e.Attributes(), tc.attrs) {
				t.Errorf("attributes = %v, want %v", e.Attributes(), tc.attrs)
			}
			if n := len(s.Contacts()); n != 1 {
				t.Errorf("%d contacts after a refused create, want 1", n)
			}
		})
	}
}

func TestAddContactValidates(t *testing.T) {
	s, _ := newFake(t)
	if _, err := s.AddContact(Contact{PhoneNumber: "+0123"}); err == nil {
		t.Error("AddContact took a phone number that is not E.164")
	}
	if _, err := s.AddContact(Contact{Email: "not an email"}); err == nil {
		t.Error("AddContact took an invalid email")
	}
}

// The bridge's calls, through the real client.
func TestClientRoundTrip(t *testing.T) {
	s, cw := newFake(t)
	ctx := ctxFor(t)
	const src = "ongair:" + phone

	res, err := cw.CreateContact(ctx, chatwoot.CreateContactRequest{InboxID: inbox, SourceID: src, Name: "Jane", Identifier: phone, PhoneNumber: phone})
	if err != nil {
		t.Fatal(err)
	}
	if res.Contact.ID == 0 || res.Contact.PhoneNumber != phone || res.ContactInbox == nil ||
		res.ContactInbox.SourceID != src || res.ContactInbox.Inbox.ID != inbox {
		t.Fatalf("create contact = %+v", res)
	}
	for _, find := range []func() ([]chatwoot.Contact, error){
		func() ([]chatwoot.Contact, error) { return cw.SearchContacts(ctx, phone, 1) },
		func() ([]chatwoot.Contact, error) { return cw.SearchContacts(ctx, "JANE", 1) },
		func() ([]chatwoot.Contact, error) { return cw.FilterContacts(ctx, "phone_number", phone, 1) },
		func() ([]chatwoot.Contact, error) { return cw.FilterContacts(ctx, "identifier", phone, 1) },
	} {
		found, err := find()
		if err != nil || len(found) != 1 || found[0].ID != res.Contact.ID || len(found[0].ContactInboxes) != 1 || found[0].ContactInboxes[0].SourceID != src {
			t.Errorf("find = %+v, %v; want the contact with its contact inbox", found, err)
		}
	}
	if found, err := cw.SearchContacts(ctx, phone, 2); err != nil || len(found) != 0 {
		t.Errorf("page 2 = %+v, %v; want none", found, err)
	}

	conv, err := cw.CreateConversation(ctx, chatwoot.CreateConversationRequest{SourceID: src, InboxID: inbox, ContactID: res.Contact.ID, Status: "open"})
	if err != nil {
		t.Fatal(err)
	}
	if conv.ID == 0 || conv.InboxID != inbox || conv.Status != "open" || conv.Meta.Sender == nil || conv.Meta.Sender.ID != res.Contact.ID {
		t.Fatalf("conversation = %+v", conv)
	}
	if convs, err := cw.ContactConversations(ctx, res.Contact.ID); err != nil || len(convs) != 1 || convs[0].ID != conv.ID {
		t.Errorf("contact conversations = %+v, %v", convs, err)
	}

	msg, err := cw.CreateMessage(ctx, conv.ID, chatwoot.CreateMessageRequest{Content: "Hi", MessageType: chatwoot.Incoming, SourceID: "ongair-bridge:1"})
	if err != nil {
		t.Fatal(err)
	}
	if msg.MessageType != chatwoot.Incoming || msg.Sender == nil || msg.Sender.Type != "contact" || msg.Status != "sent" ||
		msg.SourceID != "ongair-bridge:1" || msg.CreatedAt.IsZero() {
		t.Errorf("message = %+v", msg)
	}

	png := []byte("\x89PNG\r\n\x1a\nimage")
	withFile, err := cw.CreateMessage(ctx, conv.ID, chatwoot.CreateMessageRequest{
		MessageType: chatwoot.Incoming,
		Attachments: []chatwoot.Upload{{FileName: "a photo.png", Data: png}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(withFile.Attachments) != 1 || withFile.Attachments[0].FileType != "image" || withFile.Attachments[0].FileSize != int64(len(png)) {
		t.Fatalf("attachments = %+v", withFile.Attachments)
	}
	resp, err := http.Get(withFile.Attachments[0].DataURL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != string(png) || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("data_url served %q as %s", got, resp.Header.Get("Content-Type"))
	}

	if err := cw.UpdateMessageStatus(ctx, conv.ID, msg.ID, "failed", "boom"); err != nil {
		t.Fatal(err)
	}
	if err := cw.UpdateMessageStatus(ctx, conv.ID, msg.ID, "lost", ""); statusOf(err) != 422 {
		t.Errorf("unknown status: %v, want 422", err)
	}
	if err := cw.UpdateMessageStatus(ctx, conv.ID, 424242, "read", ""); !chatwoot.IsNotFound(err) {
		t.Errorf("unknown message: %v, want 404", err)
	}
	msgs := s.Messages(conv.ID)
	if len(msgs) != 2 || msgs[0].Status != "failed" || msgs[0].ExternalError != "boom" || msgs[0].SenderType != "Contact" ||
		len(msgs[1].Attachments) != 1 || string(msgs[1].Attachments[0].Data) != string(png) {
		t.Errorf("messages = %+v", msgs)
	}
	msgs[1].Attachments[0].Data[0] = 'X'
	if s.Messages(conv.ID)[1].Attachments[0].Data[0] == 'X' {
		t.Error("Messages aliases the fake's state")
	}

	if status, err := cw.ToggleStatus(ctx, conv.ID, "resolved"); err != nil || status != "resolved" {
		t.Errorf("toggle = %q, %v", status, err)
	}
	if _, err := cw.ToggleStatus(ctx, conv.ID, "closed"); statusOf(err) != 422 {
		t.Errorf("bad status: %v, want 422", err)
	}
	if got := s.Conversations(); len(got) != 1 || got[0].Status != "resolved" || got[0].SourceID != src || got[0].ContactID != res.Contact.ID {
		t.Errorf("conversations = %+v", got)
	}
	// An incoming message reopens a resolved conversation.
	if _, err := cw.CreateMessage(ctx, conv.ID, chatwoot.CreateMessageRequest{Content: "again", MessageType: chatwoot.Incoming}); err != nil {
		t.Fatal(err)
	}
	if got, err := cw.GetConversation(ctx, conv.ID); err != nil || got.Status != "open" {
		t.Errorf("conversation after an incoming message = %+v, %v", got, err)
	}
}

func TestConversationAndMessageValidation(t *testing.T) {
	s, cw := newFake(t)
	ctx := ctxFor(t)
	jane, _ := cw.CreateContact(ctx, chatwoot.CreateContactRequest{InboxID: inbox, SourceID: "jane", Identifier: "jane"})
	joe, _ := cw.CreateContact(ctx, chatwoot.CreateContactRequest{InboxID: inbox, SourceID: "joe", Identifier: "joe"})
	conv, err := cw.CreateConversation(ctx, chatwoot.CreateConversationRequest{SourceID: "jane", InboxID: inbox, ContactID: jane.Contact.ID})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		call   func() error
		status int
	}{
		{"source_id of another contact", func() error {
			_, err := cw.CreateConversation(ctx, chatwoot.CreateConversationRequest{SourceID: "jane", InboxID: inbox, ContactID: joe.Contact.ID})
			return err
		}, 422},
		{"unknown source_id without contact", func() error {
			_, err := cw.CreateConversation(ctx, chatwoot.CreateConversationRequest{SourceID: "nobody", InboxID: inbox})
			return err
		}, 404},
		{"source_id only, other contact_id", func() error {
			_, err := cw.CreateConversation(ctx, chatwoot.CreateConversationRequest{SourceID: "jane", ContactID: joe.Contact.ID})
			return err
		}, 422},
		{"bad status", func() error {
			_, err := cw.CreateConversation(ctx, chatwoot.CreateConversationRequest{SourceID: "jane", InboxID: inbox, Status: "closed"})
			return err
		}, 422},
		{"empty message", func() error {
			_, err := cw.CreateMessage(ctx, conv.ID, chatwoot.CreateMessageRequest{})
			return err
		}, 422},
		{"too long", func() error {
			_, err := cw.CreateMessage(ctx, conv.ID, chatwoot.CreateMessageRequest{Content: strings.Repeat("é", maxContent+1)})
			return err
		}, 422},
		{"activity through the API", func() error {
			_, err := cw.CreateMessage(ctx, conv.ID, chatwoot.CreateMessageRequest{Content: "x", MessageType: chatwoot.Activity})
			return err
		}, 422},
		{"unknown conversation", func() error {
			_, err := cw.CreateMessage(ctx, 999, chatwoot.CreateMessageRequest{Content: "x"})
			return err
		}, 404},
		{"new contact inbox for the same source", func() error {
			_, err := cw.CreateContactInbox(ctx, joe.Contact.ID, inbox, "jane")
			return err
		}, 500},
		{"same contact inbox again", func() error {
			_, err := cw.CreateContactInbox(ctx, jane.Contact.ID, inbox, "jane")
			return err
		}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if got := statusOf(err); tc.status == 200 && err != nil || tc.status != 200 && got != tc.status {
				t.Errorf("err = %v, want status %d", err, tc.status)
			}
		})
	}
	if n, m := len(s.Conversations()), len(s.Messages(conv.ID)); n != 1 || m != 0 {
		t.Errorf("%d conversations and %d messages after refused calls, want 1 and 0", n, m)
	}
}

// janeConversation creates a contact with the contact inbox src-1 and a
// conversation there.
func janeConversation(t *testing.T, cw *chatwoot.Client) (*chatwoot.CreateContactResponse, *chatwoot.Conversation) {
	t.Helper()
	ctx := ctxFor(t)
	c, err := cw.CreateContact(ctx, chatwoot.CreateContactRequest{InboxID: inbox, SourceID: "src-1", Name: "Jane", PhoneNumber: phone})
	if err != nil {
		t.Fatal(err)
	}
	conv, err := cw.CreateConversation(ctx, chatwoot.CreateConversationRequest{SourceID: "src-1", InboxID: inbox, ContactID: c.Contact.ID})
	if err != nil {
		t.Fatal(err)
	}
	return c, conv
}

// hookSink records webhook deliveries.
type hookSink struct {
	mu    sync.Mutex
	hooks []*http.Request
	body  [][]byte
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hooks = append(h.hooks, r)
	h.body = append(h.body, b)
}

func TestWebhooks(t *testing.T) {
	for _, secret := range []string{"hook-secret", ""} {
		t.Run("secret="+secret, func(t *testing.T) {
			s, cw := newFake(t)
			ctx := ctxFor(t)
			sink := &hookSink{}
			hs := httptest.NewServer(sink)
			t.Cleanup(hs.Close)
			s.SetWebhook(hs.URL+"/hook", secret)

			c, conv := janeConversation(t, cw)
			if _, err := cw.CreateMessage(ctx, conv.ID, chatwoot.CreateMessageRequest{Content: "from the customer", MessageType: chatwoot.Incoming}); err != nil {
				t.Fatal(err)
			}
			reply, err := s.AgentReplyWithAttachment(conv.ID, "answer", Attachment{ContentType: "application/pdf", FileName: "a.pdf", Data: []byte("%PDF")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.BotReply(conv.ID, "bot"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.PrivateNote(conv.ID, "note"); err != nil {
				t.Fatal(err)
			}
			if err := cw.UpdateMessageStatus(ctx, conv.ID, reply.ID, "delivered", ""); err != nil {
				t.Fatal(err)
			}
			if err := s.SetConversationStatus(conv.ID, "resolved"); err != nil {
				t.Fatal(err)
			}
			if err := s.WaitWebhooks(ctx); err != nil {
				t.Fatal(err)
			}

			type want struct {
				event, messageType, senderType, status string
				private                                bool
			}
			wants := []want{
				{"conversation_created", "", "", "open", false},
				{"message_created", "incoming", "", "sent", false},
				{"message_created", "outgoing", "user", "sent", false},
				{"message_created", "outgoing", "agent_bot", "sent", false},
				{"message_created", "outgoing", "user", "sent", true},
				{"message_updated", "outgoing", "user", "delivered", false},
				{"conversation_status_changed", "", "", "resolved", false},
				{"conversation_updated", "", "", "resolved", false},
			}
			sink.mu.Lock()
			defer sink.mu.Unlock()
			if len(sink.body) != len(wants) {
				t.Fatalf("%d webhooks, want %d", len(sink.body), len(wants))
			}
			for i, w := range wants {
				r, body := sink.hooks[i], sink.body[i]
				sig, ts := r.Header.Get(chatwoot.SignatureHeader), r.Header.Get(chatwoot.TimestampHeader)
				if secret != "" {
					if err := chatwoot.VerifySignature(secret, ts, sig, body, time.Now(), time.Minute); err != nil || r.Header.Get(chatwoot.DeliveryHeader) == "" {
						t.Errorf("webhook %d: %v (delivery %q)", i, err, r.Header.Get(chatwoot.DeliveryHeader))
					}
				} else if sig != "" || ts != "" {
					t.Errorf("webhook %d is signed without a secret", i)
				}
				ev, err := chatwoot.ParseWebhook(body)
				if err != nil {
					t.Fatalf("webhook %d: %v", i, err)
				}
				if ev.Event != w.event || string(ev.MessageType) != w.messageType || ev.Private != w.private || ev.Status != w.status ||
					ev.ConversationInboxID() != inbox {
					t.Errorf("webhook %d = %s", i, body)
				}
				if w.messageType == "" {
					if ev.ID != conv.ID || ev.ContactInbox == nil || ev.ContactInbox.SourceID != "src-1" || ev.Meta == nil || ev.Meta.Sender.ID != c.Contact.ID {
						t.Errorf("conversation webhook %d = %s", i, body)
					}
					continue
				}
				if w.messageType == "incoming" && (ev.Sender == nil || ev.Sender.ID != c.Contact.ID) || w.senderType != "" && (ev.Sender == nil || ev.Sender.Type != w.senderType) {
					t.Errorf("webhook %d sender = %+v, want %q", i, ev.Sender, w.senderType)
				}
				if ev.Conversation == nil || ev.Conversation.ID != conv.ID || ev.Conversation.ContactInbox.SourceID != "src-1" {
					t.Errorf("webhook %d conversation = %+v", i, ev.Conversation)
				}
			}
			if ev, _ := chatwoot.ParseWebhook(sink.body[2]); len(ev.Attachments) != 1 || ev.Attachments[0].FileType != "file" ||
				!strings.HasSuffix(ev.Attachments[0].DataURL, "/a.pdf") {
				t.Errorf("reply attachments = %+v", ev.Attachments)
			}
		})
	}
}

func TestStrictRequests(t *testing.T) {
	s, _ := newFake(t)
	base := s.URL() + "/api/v1/accounts/3/"
	tests := []struct {
		name, method, url, token, contentType, body string
		status                                      int
	}{
		{"no token", "GET", base + "conversations/1", "", "", "", 401},
		{"wrong token", "GET", base + "conversations/1", "nope", "", "", 401},
		{"other account", "GET", s.URL() + "/api/v1/accounts/4/conversations/1", token, "", "", 404},
		{"unknown route", "GET", base + "inboxes", token, "", "", 404},
		{"wrong method", "DELETE", base + "conversations/1", token, "", "", 404},
		{"id not a number", "GET", base + "conversations/abc", token, "", "", 404},
		{"unknown conversation", "GET", base + "conversations/1", token, "", "", 404},
		{"malformed JSON", "POST", base + "contacts", token, "application/json", `{"name":`, 400},
		{"JSON array", "POST", base + "contacts", token, "application/json", `[]`, 400},
		{"form body", "POST", base + "contacts", token, "application/x-www-form-urlencoded", "name=x", 422},
		{"wrong type", "POST", base + "contacts", token, "application/json", `{"phone_number":254700000001}`, 422},
		{"search without q", "GET", base + "contacts/search", token, "", "", 422},
		{"search with blank q", "GET", base + "contacts/search?q=+", token, "", "", 422},
		{"filter without conditions", "POST", base + "contacts/filter", token, "application/json", `{"payload":[]}`, 422},
		{"filter on unknown attribute", "POST", base + "contacts/filter", token, "application/json",
			`{"payload":[{"attribute_key":"shoe_size","filter_operator":"equal_to","values":["9"],"query_operator":null}]}`, 422},
		{"search", "GET", base + "contacts/search?q=%2B254", token, "", "", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
			if tc.token != "" {
				req.Header.Set("api_access_token", tc.token)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("answered %d %s, want %d JSON", resp.StatusCode, body, tc.status)
			}
			reqs := s.Requests()
			if last := reqs[len(reqs)-1]; last.Status != tc.status || last.Method != tc.method || strings.Contains(last.Path, "?") || string(last.Body) != tc.body {
				t.Errorf("recorded %+v", last)
			}
		})
	}
}

func TestFailingAndBlock(t *testing.T) {
	s, cw := newFake(t)
	ctx := ctxFor(t)

	s.SetFailing(http.StatusServiceUnavailable)
	if _, err := cw.SearchContacts(ctx, "x", 1); statusOf(err) != 503 {
		t.Errorf("while failing: %v, want 503", err)
	}
	s.SetFailing(0)
	if _, err := cw.SearchContacts(ctx, "x", 1); err != nil {
		t.Errorf("after failing: %v", err)
	}
	if reqs := s.Requests(); len(reqs) != 2 || reqs[0].Status != 503 || reqs[1].Status != 200 {
		t.Errorf("requests = %+v", reqs)
	}

	release := s.Block()
	done := make(chan error, 1)
	go func() {
		_, err := cw.CreateContact(ctx, chatwoot.CreateContactRequest{Identifier: "held"})
		done <- err
	}()
	if err := s.Wait(ctx, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.held == 1 }); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("a blocked request was answered: %v", err)
	default:
	}
	if n := len(s.Contacts()); n != 0 {
		t.Fatalf("a blocked request was carried out")
	}
	release()
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(s.Contacts()); n != 1 {
		t.Errorf("%d contacts after release, want 1", n)
	}
}

func TestWaitTimesOut(t *testing.T) {
	s, _ := newFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.Wait(ctx, func() bool { return false }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait = %v, want the deadline", err)
	}
}

// A message whose webhook the receiver does not take is marked failed, as
// Chatwoot does for API inboxes; a taken one keeps its status.
func TestFailedWebhookMarksMessageFailed(t *testing.T) {
	s, cw := newFake(t)
	ctx := ctxFor(t)
	var status atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(int(status.Load())) }))
	t.Cleanup(hs.Close)
	s.SetWebhook(hs.URL, "")

	_, conv := janeConversation(t, cw)
	refused, err := s.AgentReply(conv.ID, "refused")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	status.Store(http.StatusOK)
	taken, err := s.AgentReply(conv.ID, "taken")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[int64]Message{}
	for _, m := range s.Messages(conv.ID) {
		got[m.ID] = m
	}
	if m := got[refused.ID]; m.Status != "failed" || !strings.Contains(m.ExternalError, "503") {
		t.Errorf("refused message = %+v, want failed with the reason", m)
	}
	if m := got[taken.ID]; m.Status != "sent" || m.ExternalError != "" {
		t.Errorf("taken message = %+v, want sent", m)
	}
}
