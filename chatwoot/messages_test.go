package chatwoot

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const messageJSON = `{"id":501,"content":"Hello","inbox_id":3,"conversation_id":10,"message_type":1,"content_type":"text","status":"sent",
	"content_attributes":{"in_reply_to":500},"created_at":1700000000,"private":false,"source_id":null,
	"sender":{"id":1,"name":"Agent","type":"user"},"attachments":[{"id":9,"message_id":501,"file_type":"image","account_id":7,"extension":null,
	"data_url":"https://cw.example/rails/active_storage/blobs/redirect/x/a.png","thumb_url":"https://cw.example/t.png","file_size":2048}]}`

var wantMessage = Message{
	ID: 501, InboxID: 3, ConversationID: 10, Content: "Hello", ContentType: "text", Status: "sent",
	MessageType: Outgoing, ContentAttributes: map[string]any{"in_reply_to": float64(500)},
	CreatedAt: Timestamp{time.Unix(1700000000, 0).UTC()},
	Sender:    &Sender{ID: 1, Name: "Agent", Type: "user"},
	Attachments: []Attachment{{ID: 9, FileType: "image", DataURL: "https://cw.example/rails/active_storage/blobs/redirect/x/a.png",
		ThumbURL: "https://cw.example/t.png", FileSize: 2048}},
}

func TestCreateMessageJSON(t *testing.T) {
	create := func(req CreateMessageRequest) func(context.Context, *Client) (any, error) {
		return func(ctx context.Context, c *Client) (any, error) { return c.CreateMessage(ctx, 10, req) }
	}
	const path = "/api/v1/accounts/7/conversations/10/messages"
	incoming := CreateMessageRequest{
		Content: "Habari <b>", MessageType: Incoming, SourceID: "ongair:msg:1",
		ContentAttributes: map[string]any{"in_reply_to_external_id": "ongair:msg:0"},
	}
	runAPICases(t, []apiCase{
		{name: "incoming", call: create(incoming), method: "POST", path: path,
			body: `{"content":"Habari <b>","message_type":"incoming","private":false,"content_attributes":{"in_reply_to_external_id":"ongair:msg:0"},"source_id":"ongair:msg:1"}`,
			resp: `{"id":500,"content":"Habari <b>","inbox_id":3,"conversation_id":10,"message_type":0,"content_type":"text","content_attributes":{},"created_at":1700000000.5,"private":false,"source_id":"ongair:msg:1","sender":{"id":42,"name":"Jane","type":"contact"}}`,
			want: &Message{ID: 500, InboxID: 3, ConversationID: 10, Content: "Habari <b>", ContentType: "text", MessageType: Incoming, SourceID: "ongair:msg:1",
				ContentAttributes: map[string]any{}, CreatedAt: Timestamp{time.Unix(1700000000, 5e8).UTC()}, Sender: &Sender{ID: 42, Name: "Jane", Type: "contact"}}},
		{name: "private note", call: create(CreateMessageRequest{Content: "note", MessageType: Outgoing, Private: true, ContentType: "text"}), method: "POST", path: path,
			body: `{"content":"note","message_type":"outgoing","private":true,"content_type":"text"}`, resp: messageJSON, want: &wantMessage},
		{name: "wrapped response", call: create(CreateMessageRequest{Content: "x"}), method: "POST", path: path,
			body: `{"content":"x","private":false}`, resp: `{"payload":` + messageJSON + `}`, want: &wantMessage},
		{name: "string message type, ISO time", call: create(CreateMessageRequest{Content: "x"}), method: "POST", path: path,
			body: `{"content":"x","private":false}`, resp: `{"id":"7","message_type":"template","created_at":"2024-05-01T10:00:00.000Z","source_id":12345}`,
			want: &Message{ID: 7, MessageType: Template, SourceID: "12345", CreatedAt: Timestamp{time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}}},
		{name: "no id", call: create(CreateMessageRequest{Content: "x"}), method: "POST", path: path,
			body: `{"content":"x","private":false}`, resp: `{"content":"x"}`, wantErr: "no message id"},
	})
}

type part struct {
	Name, FileName, ContentType, Data string
}

func TestCreateMessageMultipart(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n rest of the image")
	tests := []struct {
		name  string
		req   CreateMessageRequest
		parts []part
	}{
		{
			name: "two files with caption and attributes",
			req: CreateMessageRequest{
				Content: "see these", MessageType: Incoming, SourceID: "ongair:msg:2",
				ContentAttributes: map[string]any{"in_reply_to_external_id": "ongair:msg:1"},
				Attachments: []Upload{
					{FileName: "photo.jpg", ContentType: "image/jpeg", Data: []byte("jpegdata")},
					{FileName: `voice "note".ogg`, ContentType: "audio/ogg; codecs=opus", Data: []byte("oggdata")},
				},
			},
			parts: []part{
				{Name: "content", Data: "see these"},
				{Name: "message_type", Data: "incoming"},
				{Name: "private", Data: "false"},
				{Name: "source_id", Data: "ongair:msg:2"},
				{Name: "content_attributes", Data: `{"in_reply_to_external_id":"ongair:msg:1"}`},
				{Name: "attachments[]", FileName: "photo.jpg", ContentType: "image/jpeg", Data: "jpegdata"},
				{Name: "attachments[]", FileName: `voice "note".ogg`, ContentType: "audio/ogg; codecs=opus", Data: "oggdata"},
			},
		},
		{
			name: "bare file, sniffed type, default name",
			req:  CreateMessageRequest{Private: true, Attachments: []Upload{{Data: png}}},
			parts: []part{
				{Name: "content", Data: ""},
				{Name: "private", Data: "true"},
				{Name: "attachments[]", FileName: "attachment-1", ContentType: "image/png", Data: string(png)},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type request struct {
				path, token string
				parts       []part
			}
			seen := make(chan request, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen <- request{r.Method + " " + r.URL.Path, r.Header.Get("api_access_token"), readParts(t, r)}
				io.WriteString(w, messageJSON)
			}))
			t.Cleanup(srv.Close)
			msg, err := New(srv.URL, testToken, 7).CreateMessage(context.Background(), 10, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if msg.ID != 501 {
				t.Errorf("message = %+v", msg)
			}
			got := <-seen
			if got.path != "POST /api/v1/accounts/7/conversations/10/messages" || got.token != testToken {
				t.Errorf("request %s, token %q", got.path, got.token)
			}
			if !reflect.DeepEqual(got.parts, tc.parts) {
				t.Errorf("parts\n got %q\nwant %q", got.parts, tc.parts)
			}
		})
	}
}

func readParts(t *testing.T, r *http.Request) []part {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
		return nil
	}
	var parts []part
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Errorf("multipart: %v", err)
			return parts
		}
		data, _ := io.ReadAll(p)
		parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(data)})
	}
}

func TestCreateMessageTooManyAttachments(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		io.WriteString(w, `{"id":1}`)
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL, testToken, 7)
	for _, n := range []int{15, 16} {
		req := CreateMessageRequest{Attachments: make([]Upload, n)}
		_, err := c.CreateMessage(context.Background(), 10, req)
		if n == 15 && (err != nil || requests.Load() != 1) {
			t.Errorf("15 attachments: err = %v, requests %d", err, requests.Load())
		}
		if n == 16 && (err == nil || !strings.Contains(err.Error(), "16 attachments, at most 15") || requests.Load() != 1) {
			t.Errorf("16 attachments: err = %v, requests %d", err, requests.Load())
		}
	}
}

func TestUpdateMessageStatus(t *testing.T) {
	update := func(status, extErr string) func(context.Context, *Client) (any, error) {
		return func(ctx context.Context, c *Client) (any, error) {
			return nil, c.UpdateMessageStatus(ctx, 10, 501, status, extErr)
		}
	}
	const path = "/api/v1/accounts/7/conversations/10/messages/501"
	runAPICases(t, []apiCase{
		{name: "delivered", call: update("delivered", ""), method: "PATCH", path: path, body: `{"status":"delivered"}`, resp: messageJSON},
		{name: "failed", call: update("failed", "Number not on WhatsApp"), method: "PATCH", path: path,
			body: `{"status":"failed","external_error":"Number not on WhatsApp"}`, resp: ``},
		{name: "no content", call: update("read", ""), status: http.StatusNoContent, method: "PATCH", path: path, body: `{"status":"read"}`},
	})
}

func TestMessageTypeJSON(t *testing.T) {
	tests := []struct {
		in   string
		want MessageType
		err  bool
	}{
		{`0`, Incoming, false}, {`1`, Outgoing, false}, {`2`, Activity, false}, {`3`, Template, false},
		{`1.0`, Outgoing, false}, {`"outgoing"`, Outgoing, false}, {`"incoming"`, Incoming, false},
		{`"1"`, Outgoing, false}, {`null`, "", false}, {`7`, "7", false}, {`"new_kind"`, "new_kind", false},
		{`true`, "", true}, {`{}`, "", true}, {`1.5`, "", true},
	}
	for _, tc := range tests {
		var got MessageType
		err := got.UnmarshalJSON([]byte(tc.in))
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("%s → %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestTimestampJSON(t *testing.T) {
	nairobi := time.FixedZone("", 3*3600)
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{`1700000000`, time.Unix(1700000000, 0), false},
		{`1700000000.25`, time.Unix(1700000000, 25e7), false},
		{`"1700000000"`, time.Unix(1700000000, 0), false},
		{`"2024-05-01T10:00:00Z"`, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), false},
		{`"2024-05-01T13:00:00.123+03:00"`, time.Date(2024, 5, 1, 13, 0, 0, 123e6, nairobi), false},
		{`"2024-05-01 10:00:00 UTC"`, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), false},
		{`null`, time.Time{}, false},
		{`""`, time.Time{}, false},
		{`"yesterday"`, time.Time{}, true},
		{`1e300`, time.Time{}, true},
		{`true`, time.Time{}, true},
	}
	for _, tc := range tests {
		var got Timestamp
		err := got.UnmarshalJSON([]byte(tc.in))
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("%s → %v, %v; want %v, error %v", tc.in, got.Time, err, tc.want, tc.err)
		}
	}
}

func TestFlexibleFields(t *testing.T) {
	var ci ContactInbox
	if err := ci.UnmarshalJSON([]byte(`{"source_id":254700000001,"inbox_id":"3","contact_id":4.0}`)); err != nil {
		t.Fatal(err)
	}
	if ci.SourceID != "254700000001" || ci.InboxID != 3 || ci.ContactID != 4 {
		t.Errorf("ContactInbox = %+v", ci)
	}
	var c Contact
	if err := c.UnmarshalJSON([]byte(`{"id":1,"custom_attributes":"{\"a\":1}","additional_attributes":[]}`)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.CustomAttributes, map[string]any{"a": float64(1)}) || c.AdditionalAttributes != nil {
		t.Errorf("Contact = %+v", c)
	}
	for _, bad := range []string{`{"id":1.5}`, `{"id":"x"}`, `{"id":true}`, `{"identifier":{}}`} {
		if err := c.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
