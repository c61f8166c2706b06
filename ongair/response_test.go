package ongair

import (
	"testing"
	"unicode/utf8"
)

func TestDecodeSendResponse(t *testing.T) {
	tests := []struct {
		body     string
		id, conv ID
		err      bool
	}{
		{`{"sent":true,"id":2067}`, "2067", "", false},
		{`{"sent":"true","id":"35345435","conversation_id":"22"}`, "35345435", "22", false},
		{`{"sent":true,"id":1e3}`, "1e3", "", false},
		{`{"sent":true}`, "", "", false},
		{`{"sent":false,"error":"blocked"}`, "", "", true},
		{`{"sent":"no"}`, "", "", true},
		{`{"id":1}`, "", "", true},
		{`{"sent":true,"id":{}}`, "", "", true},
		{`[]`, "", "", true},
	}
	for _, tc := range tests {
		res, err := decodeSendResponse([]byte(tc.body))
		if tc.err {
			if err == nil {
				t.Errorf("%s: got %+v, want an error", tc.body, res)
			}
			continue
		}
		if err != nil || !res.Sent || res.ID != tc.id || res.ConversationID != tc.conv {
			t.Errorf("%s: got %+v, %v; want id %q, conversation %q", tc.body, res, err, tc.id, tc.conv)
		}
	}
}

// FuzzResponses: whatever Ongair answers, reading it neither panics nor
// makes up a sent message, and an error's reason is readable text.
func FuzzResponses(f *testing.F) {
	for _, s := range []string{`{"sent":true,"id":2067}`, `{"sent":"true","id":"1","conversation_id":"22"}`,
		`{"sent":false,"error":"x"}`, `{"error":"Invalid API Token"}`, `<html>`, `null`, `{"sent":"TRUE","id":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := decodeSendResponse(body)
		if (res == nil) == (err == nil) || res != nil && !res.Sent {
			t.Fatalf("decodeSendResponse = %+v, %v", res, err)
		}
		e := &Error{Op: "send message", Method: "POST", Path: "/api/v1/base/send", StatusCode: 422, Body: string(body)}
		if msg := e.Message(); utf8.ValidString(string(body)) && !utf8.ValidString(msg) {
			t.Fatalf("Message() = %q is not valid UTF-8", msg)
		}
	})
}
