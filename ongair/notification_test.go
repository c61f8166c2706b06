package ongair

import (
	"bytes"
	"mime/multipart"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

const form = "application/x-www-form-urlencoded"

func ptr(v float64) *float64 { return &v }

func TestParseNotification(t *testing.T) {
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	w.WriteField("notification_type", "MessageReceived")
	w.WriteField("phone_number", "254722200200")
	w.WriteField("text", "multipart hello")
	w.Close()

	tests := []struct {
		name        string
		contentType string
		body        string
		want        Notification
		err         string
	}{
		{
			name:        "first document, form",
			contentType: form,
			body:        "notification_type=MessageReceived&phone_number=254722200200&text=Hello+world&account=254722123456",
			want:        Notification{Type: "MessageReceived", PhoneNumber: "254722200200", Text: "Hello world", Account: "254722123456"},
		},
		{
			name:        "second document, form",
			contentType: form + "; charset=utf-8",
			body:        "notification_type=MessageSent&id=3443&name=John&text=Hi&external_contact_id=%2B254722200200&conversation_id=1&account_type=WhatsApp",
			want: Notification{Type: "MessageSent", ID: "3443", Name: "John", Text: "Hi", ExternalContactID: "+254722200200",
				ConversationID: "1", AccountType: "WhatsApp"},
		},
		{
			name:        "JSON with numbers",
			contentType: "application/json",
			body:        `{"notification_type":"ImageReceived","id":3444,"external_contact_id":"123","account_type":"Telegram","image":"https://cdn.ongair.im/1.jpg","unknown":{"x":1}}`,
			want:        Notification{Type: "ImageReceived", ID: "3444", ExternalContactID: "123", AccountType: "Telegram", Image: "https://cdn.ongair.im/1.jpg"},
		},
		{
			name:        "receipt spells Id",
			contentType: form,
			body:        "notification_type=DeliveryReceipt&phone_number=254722200200&Id=2067",
			want:        Notification{Type: "DeliveryReceipt", PhoneNumber: "254722200200", ID: "2067"},
		},
		{
			name:        "lowercase wins over other spellings",
			contentType: form,
			body:        "notification_type=DeliveryReceipt&ID=1&Id=2&id=3",
			want:        Notification{Type: "DeliveryReceipt", ID: "3"},
		},
		{
			name:        "location",
			contentType: form,
			body:        "notification_type=LocationReceived&phone_number=254722200200&address=Mombasa+Road&latitude=-1.3292233&longitude=36.8772923",
			want:        Notification{Type: "LocationReceived", PhoneNumber: "254722200200", Address: "Mombasa Road", Latitude: ptr(-1.3292233), Longitude: ptr(36.8772923)},
		},
		{
			name:        "group message",
			contentType: form,
			body:        "notification_type=GroupMessageReceived&phone_number=254722200200&group_id=18&text=Yo",
			want:        Notification{Type: "GroupMessageReceived", PhoneNumber: "254722200200", GroupID: "18", Text: "Yo"},
		},
		{
			name:        "multipart",
			contentType: w.FormDataContentType(),
			body:        mp.String(),
			want:        Notification{Type: "MessageReceived", PhoneNumber: "254722200200", Text: "multipart hello"},
		},
		{
			name: "no content type, JSON body",
			body: `{"notification_type":"TicketStatusUpdated","status":"Closed","external_contact_id":"+254722200200"}`,
			want: Notification{Type: "TicketStatusUpdated", Status: "Closed", ExternalContactID: "+254722200200"},
		},
		{
			name:        "invalid UTF-8 is replaced",
			contentType: form,
			body:        "notification_type=MessageReceived&phone_number=1&text=a%FFb",
			want:        Notification{Type: "MessageReceived", PhoneNumber: "1", Text: "a\uFFFDb"},
		},
		{name: "no type", contentType: form, body: "text=hi", err: "notification_type is missing"},
		{name: "bad latitude", contentType: form, body: "notification_type=LocationReceived&latitude=north&longitude=1", err: "latitude"},
		{name: "latitude out of range", contentType: form, body: "notification_type=LocationReceived&latitude=91&longitude=1", err: "latitude"},
		{name: "longitude NaN", contentType: form, body: "notification_type=LocationReceived&latitude=1&longitude=NaN", err: "longitude"},
		{name: "truncated JSON", contentType: "application/json", body: `{"notification_type":`, err: "not a JSON object"},
		{name: "JSON array", contentType: "application/json", body: `[1]`, err: "not a JSON object"},
		{name: "JSON null", contentType: "application/json", body: `null`, err: "not a JSON object"},
		{name: "two JSON values", contentType: "application/json", body: `{"notification_type":"A"}{}`, err: "more than one"},
		{name: "nested text", contentType: "application/json", body: `{"notification_type":"MessageReceived","text":{"a":1}}`, err: "text must be a string"},
		{name: "bad form", contentType: form, body: "notification_type=%zz", err: "not form-encoded"},
		{name: "multipart without boundary", contentType: "multipart/form-data", body: "x", err: "boundary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseNotification(tc.contentType, []byte(tc.body))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one about %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

// FuzzParseNotification: any body either fails with an error or gives a
// notification with a type, valid UTF-8 and coordinates in range.
func FuzzParseNotification(f *testing.F) {
	f.Add(form, "notification_type=MessageReceived&phone_number=254722200200&text=Hello&id=1")
	f.Add(form, "notification_type=LocationReceived&latitude=-1.3&longitude=36.8")
	f.Add("application/json", `{"notification_type":"MessageSent","id":3443,"text":"hi","latitude":"1e2"}`)
	f.Add("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"notification_type\"\r\n\r\nA\r\n--x--\r\n")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		n, err := ParseNotification(contentType, []byte(body))
		if err != nil {
			return
		}
		if n.Type == "" {
			t.Fatal("accepted a notification without a type")
		}
		for _, s := range []string{n.Type, n.ID, n.Text, n.PhoneNumber, n.ExternalContactID, n.Name, n.Image} {
			if !utf8.ValidString(s) {
				t.Fatalf("field %q is not valid UTF-8", s)
			}
		}
		if n.Latitude != nil && (*n.Latitude < -90 || *n.Latitude > 90) || n.Longitude != nil && (*n.Longitude < -180 || *n.Longitude > 180) {
			t.Fatalf("coordinates out of range: %v, %v", *n.Latitude, *n.Longitude)
		}
	})
}
