package config

import (
	"strings"
	"testing"
	"time"
)

func valid() map[string]string {
	return map[string]string{
		"WEBHOOK_TOKEN":       "hook",
		"ONGAIR_API_TOKEN":    "og",
		"CHATWOOT_API_TOKEN":  "cw",
		"CHATWOOT_ACCOUNT_ID": "1",
		"CHATWOOT_INBOX_ID":   "2",
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := LoadFrom(valid())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ListenAddr != ":8080" || cfg.OngairURL != "https://ongair.im" || cfg.Helpdesk != "chatwoot" ||
		cfg.ChatwootURL != "https://app.chatwoot.com" || cfg.RedisURL != "" || cfg.MaxRetry != 12 || cfg.RetryBaseDelay != 5*time.Second {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestHelpdeskPicksBaseURL(t *testing.T) {
	tests := []struct{ helpdesk, url, want string }{
		{"chatwoot", "", "https://app.chatwoot.com"},
		{"onehash", "", "https://chat.onehash.ai"},
		{"Hoory", "", "https://app.hoory.com"},
		{"chatwoot", "https://support.example.com/", "https://support.example.com"},
	}
	for _, tc := range tests {
		env := valid()
		env["HELPDESK"], env["CHATWOOT_URL"] = tc.helpdesk, tc.url
		cfg, err := LoadFrom(env)
		if err != nil || cfg.ChatwootURL != tc.want {
			t.Errorf("HELPDESK=%s CHATWOOT_URL=%q: %q, %v; want %q", tc.helpdesk, tc.url, cfg.ChatwootURL, err, tc.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"nothing set", map[string]string{"WEBHOOK_TOKEN": "", "ONGAIR_API_TOKEN": "", "CHATWOOT_API_TOKEN": "", "CHATWOOT_ACCOUNT_ID": "", "CHATWOOT_INBOX_ID": ""},
			[]string{"WEBHOOK_TOKEN is missing", "ONGAIR_API_TOKEN is missing", "CHATWOOT_API_TOKEN is missing", "CHATWOOT_ACCOUNT_ID is missing", "CHATWOOT_INBOX_ID is missing"}},
		{"not a number", map[string]string{"CHATWOOT_ACCOUNT_ID": "abc"}, []string{"CHATWOOT_ACCOUNT_ID has a bad value"}},
		{"bad duration", map[string]string{"RETRY_BASE_DELAY": "soon"}, []string{"RETRY_BASE_DELAY has a bad value"}},
		{"unknown helpdesk", map[string]string{"HELPDESK": "zendesk"}, []string{`HELPDESK "zendesk" is not one of`}},
		{"bad redis url", map[string]string{"REDIS_URL": "localhost:6379"}, []string{"REDIS_URL is not a redis://"}},
		{"bad ongair url", map[string]string{"ONGAIR_URL": "ongair.im"}, []string{"ONGAIR_URL"}},
		{"bad listen addr", map[string]string{"LISTEN_ADDR": "8080"}, []string{"LISTEN_ADDR"}},
		{"bad log level", map[string]string{"LOG_LEVEL": "loud"}, []string{"LOG_LEVEL"}},
		{"delays out of order", map[string]string{"RETRY_BASE_DELAY": "1m", "RETRY_MAX_DELAY": "1s"}, []string{"RETRY_BASE_DELAY must be positive"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := valid()
			for k, v := range tc.set {
				env[k] = v
			}
			_, err := LoadFrom(env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tc.name == "not a number" && strings.Contains(err.Error(), "CHATWOOT_ACCOUNT_ID is missing") {
				t.Errorf("a bad value is also reported missing: %q", err)
			}
		})
	}
}
