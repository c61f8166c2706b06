package test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ongair-bridge/ongair-bridge/bridge"
	"github.com/ongair-bridge/ongair-bridge/chatwoot"
	"github.com/ongair-bridge/ongair-bridge/config"
	"github.com/ongair-bridge/ongair-bridge/test/redistest"
)

// BenchmarkWebhookIntake measures what a webhook costs before it is
// answered: authenticate, verify, parse, store the event in a real Redis.
// The workers do not run, so nothing else competes for Redis.
//
//	go test -run '^$' -bench WebhookIntake ./test
func BenchmarkWebhookIntake(b *testing.B) {
	redistest.Client(b, testDB)
	cfg, err := config.LoadFrom(map[string]string{
		"REDIS_URL":               redistest.URL(b, testDB),
		"WEBHOOK_TOKEN":           webhookToken,
		"ONGAIR_API_TOKEN":        ongairToken,
		"CHATWOOT_URL":            "http://127.0.0.1:1",
		"CHATWOOT_API_TOKEN":      chatwootToken,
		"CHATWOOT_ACCOUNT_ID":     strconv.Itoa(accountID),
		"CHATWOOT_INBOX_ID":       strconv.Itoa(inboxID),
		"CHATWOOT_WEBHOOK_SECRET": webhookSecret,
	})
	if err != nil {
		b.Fatal(err)
	}
	app, err := bridge.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { app.Close() })
	handler := app.Handler()

	ongair := func(i int) *http.Request {
		body := fmt.Sprintf("notification_type=MessageReceived&phone_number=2547%08d&text=Hello+there&account=254711000000&id=%d", i%500, i)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/ongair?token="+webhookToken, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	helpdesk := func(i int) *http.Request {
		body := fmt.Sprintf(`{"event":"message_created","id":%d,"content":"How can we help?","message_type":"outgoing","private":false,`+
			`"inbox":{"id":%d},"sender":{"id":1,"type":"user"},"conversation":{"id":%d,"inbox_id":%d,"contact_inbox":{"source_id":"ongair:+2547%08d"}}}`,
			i, inboxID, i%500+1, inboxID, i%500)
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/chatwoot?token="+webhookToken, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(chatwoot.TimestampHeader, ts)
		req.Header.Set(chatwoot.SignatureHeader, chatwoot.Sign(webhookSecret, ts, []byte(body)))
		return req
	}
	for _, bc := range []struct {
		name    string
		request func(i int) *http.Request
	}{{"ongair", ongair}, {"helpdesk", helpdesk}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, bc.request(i))
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"queued"`) {
					b.Fatalf("answered %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
