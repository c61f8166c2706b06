package bridge

import "testing"

func TestChatKeys(t *testing.T) {
	tests := []struct {
		chat     Chat
		key, src string
	}{
		{Chat{ID: "+254722200200", Phone: "+254722200200"}, "+254722200200", "ongair:+254722200200"},
		{Chat{ID: "123455677"}, "123455677", "ongair:123455677"},
		{Chat{ID: "18", Group: true}, "group:18", "ongair:group:18"},
	}
	for _, tc := range tests {
		if got := tc.chat.Key(); got != tc.key {
			t.Errorf("%+v.Key() = %q, want %q", tc.chat, got, tc.key)
		}
		if got := tc.chat.SourceID(); got != tc.src {
			t.Errorf("%+v.SourceID() = %q, want %q", tc.chat, got, tc.src)
		}
		back, ok := ParseSourceID(tc.src)
		if !ok || back.Key() != tc.key || back.Group != tc.chat.Group || back.Phone != tc.chat.Phone {
			t.Errorf("ParseSourceID(%q) = %+v, %v; want %+v", tc.src, back, ok, tc.chat)
		}
	}
	for _, bad := range []string{"", "ongair:", "ongair:group:", "other:+2547", "ongair:a b", "2f1c-uuid"} {
		if c, ok := ParseSourceID(bad); ok {
			t.Errorf("ParseSourceID(%q) = %+v, want not ok", bad, c)
		}
	}
}

func TestPhoneChat(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"254722200200", "+254722200200"},
		{"+254722200200", "+254722200200"},
		{"+254 722-200-200", "+254722200200"},
		{"00254722200200", "+254722200200"},
		{"0706866564", ""}, // a local number is not E.164
		{"", ""},
		{"abc", ""},
		{"+1234567890123456", ""}, // 16 digits
	}
	for _, tc := range tests {
		c, ok := phoneChat(tc.in)
		if ok != (tc.want != "") || c.ID != tc.want || c.Phone != tc.want {
			t.Errorf("phoneChat(%q) = %+v, %v; want %q", tc.in, c, ok, tc.want)
		}
	}
}

func FuzzParseSourceID(f *testing.F) {
	for _, s := range []string{"ongair:+254722200200", "ongair:group:18", "ongair:123", "", "ongair:", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := ParseSourceID(s)
		if !ok {
			return
		}
		if c.SourceID() != s {
			t.Fatalf("ParseSourceID(%q) = %+v, whose SourceID is %q", s, c, c.SourceID())
		}
	})
}
