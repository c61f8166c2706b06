// End-to-end tests: the bridge's real wiring (config from an environment,
// bridge.New, Serve) against a real Redis and strict fakes of Chatwoot and
// Ongair.
package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/ongair-bridge/ongair-bridge/bridge"
	"github.com/ongair-bridge/ongair-bridge/config"
	"github.com/ongair-bridge/ongair-bridge/test/fakechatwoot"
	"github.com/ongair-bridge/ongair-bridge/test/fakeongair"
	"github.com/ongair-bridge/ongair-bridge/test/redistest"
)

// The end-to-end tests use Redis database 14.
const testDB = 14

const (
	webhookToken  = "hook-token-7f3a9c"
	ongairToken   = "ongair-token-51d2e8"
	chatwootToken = "chatwoot-token-9b4c11"
	webhookSecret = "webhook-secret-c0ffee"
	accountID     = 3
	inboxID       = 7
	customer      = "254722200200" // a WhatsApp customer, as Ongair's first document writes numbers
	customerE164  = "+254722200200"
)

// waitTimeout bounds every wait for the bridge; a passing run waits far less.
const waitTimeout = 20 * time.Second

type harness struct {
	t   *testing.T
	cw  *fakechatwoot.Server
	og  *fakeongair.Server
	rdb *redis.Client
	app *bridge.App

	url          string // the bridge
	ongairHook   string
	chatwootHook string
	logs         *syncBuffer
}

type setup struct {
	env       map[string]string
	secret    string
	stringIDs bool
	echo      bool
	redisAddr string // overrides the Redis address (a proxy)
}

type option func(*setup)

func withEnv(k, v string) option    { return func(s *setup) { s.env[k] = v } }
func withoutSignature() option      { return func(s *setup) { s.secret = "" } }
func withStringIDs() option         { return func(s *setup) { s.stringIDs = true } }
func withEcho() option              { return func(s *setup) { s.echo = true } }
func withRedisAddr(a string) option { return func(s *setup) { s.redisAddr = a } }

func start(t *testing.T, opts ...option) *harness {
	t.Helper()
	s := &setup{env: map[string]string{}, secret: webhookSecret}
	for _, o := range opts {
		o(s)
	}
	h := &harness{t: t, rdb: redistest.Client(t, testDB), logs: &syncBuffer{}}
	h.og = fakeongair.New(fakeongair.Config{Token: ongairToken, StringIDs: s.stringIDs})
	h.og.AddContact(customer)
	h.cw = fakechatwoot.New(fakechatwoot.Config{Token: chatwootToken, AccountID: accountID, InboxID: inboxID})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.url = "http://" + ln.Addr().String()
	h.ongairHook = h.url + "/webhooks/ongair?token=" + webhookToken
	h.chatwootHook = h.url + "/webhooks/chatwoot?token=" + webhookToken
	h.cw.SetWebhook(h.chatwootHook, s.secret)
	if s.echo {
		h.og.SetEchoURL(h.ongairHook)
	}

	redisURL := redistest.URL(t, testDB)
	if s.redisAddr != "" {
		redisURL = "redis://" + s.redisAddr + "/" + fmt.Sprint(testDB)
	}
	env := map[string]string{
		"LISTEN_ADDR":             ln.Addr().String(),
		"REDIS_URL":               redisURL,
		"WEBHOOK_TOKEN":           webhookToken,
		"ONGAIR_URL":              h.og.URL(),
		"ONGAIR_API_TOKEN":        ongairToken,
		"HELPDESK":                "chatwoot",
		"CHATWOOT_URL":            h.cw.URL(),
		"CHATWOOT_API_TOKEN":      chatwootToken,
		"CHATWOOT_ACCOUNT_ID":     fmt.Sprint(accountID),
		"CHATWOOT_INBOX_ID":       fmt.Sprint(inboxID),
		"CHATWOOT_WEBHOOK_SECRET": s.secret,
		"WORKERS":                 "4",
		"MAX_RETRY":               "25",
		"RETRY_BASE_DELAY":        "50ms",
		"RETRY_MAX_DELAY":         "200ms",
		"HTTP_TIMEOUT":            "5s",
		"SWEEP_INTERVAL":          "1s",
		"LOG_LEVEL":               "debug",
	}
	for k, v := range s.env {
		env[k] = v
	}
	cfg, err := config.LoadFrom(env)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.app, err = bridge.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.app.Serve(ctx, ln) }()
	// The listener is open already; this answers once the bridge serves.
	resp, err := http.Get(h.url + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		cancel()
		t.Fatalf("bridge not ready: %v %v (Serve: %v)", resp, err, <-served)
	}
	resp.Body.Close()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		h.app.Close()
		h.cw.Close()
		h.og.Close()
		for _, secret := range []string{webhookToken, ongairToken, chatwootToken, webhookSecret} {
			if strings.Contains(h.logs.String(), secret) {
				t.Errorf("the logs contain a secret (%.6s…)", secret)
			}
		}
		if t.Failed() {
			t.Logf("bridge logs:\n%s", h.logs.String())
		}
	})
	return h
}

// notify posts an Ongair notification, form-encoded as Ongair does, and
// wants 200.
func (h *harness) notify(fields map[string]string) {
	h.t.Helper()
	status, body := h.notifyStatus(fields)
	if status != http.StatusOK {
		h.t.Fatalf("Ongair webhook %v answered %d: %s", fields, status, body)
	}
}

func (h *harness) notifyStatus(fields map[string]string) (int, string) {
	h.t.Helper()
	v := url.Values{}
	for k, x := range fields {
		v.Set(k, x)
	}
	status, body, err := fakeongair.Notify(context.Background(), h.ongairHook, v)
	if err != nil {
		h.t.Fatal(err)
	}
	return status, string(body)
}

func received(id, text string) map[string]string {
	return map[string]string{"notification_type": "MessageReceived", "phone_number": customer, "text": text, "account": "254711000000", "id": id}
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// waitCW waits until cond holds on the fake helpdesk.
func (h *harness) waitCW(what string, cond func() bool) {
	h.t.Helper()
	if err := h.cw.Wait(ctxTimeout(h.t), cond); err != nil {
		h.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// waitOG waits until cond holds on the fake Ongair.
func (h *harness) waitOG(what string, cond func() bool) {
	h.t.Helper()
	if err := h.og.Wait(ctxTimeout(h.t), cond); err != nil {
		h.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// waitMessages waits until the chat's only conversation has n messages and
// returns them.
func (h *harness) waitMessages(n int) (fakechatwoot.Conversation, []fakechatwoot.Message) {
	h.t.Helper()
	var conv fakechatwoot.Conversation
	var msgs []fakechatwoot.Message
	h.waitCW(fmt.Sprintf("%d helpdesk messages", n), func() bool {
		convs := h.cw.Conversations()
		if len(convs) == 0 {
			return false
		}
		conv = convs[len(convs)-1]
		msgs = h.cw.Messages(conv.ID)
		return len(msgs) >= n
	})
	if len(msgs) != n {
		h.t.Fatalf("conversation %d has %d messages, want %d: %+v", conv.ID, len(msgs), n, msgs)
	}
	return conv, msgs
}

// settle waits until the bridge has no event left in any mailbox and no
// task in Asynq but archived ones, and every helpdesk webhook was delivered.
func (h *harness) settle() {
	h.t.Helper()
	ctx := ctxTimeout(h.t)
	if err := h.cw.WaitWebhooks(ctx); err != nil {
		h.t.Fatalf("waiting for helpdesk webhooks: %v", err)
	}
	insp := asynq.NewInspectorFromRedisClient(h.rdb)
	for {
		n, _ := h.rdb.SCard(ctx, "ob:mboxes").Result()
		busy := n > 0
		if q, err := insp.GetQueueInfo("default"); err == nil {
			busy = busy || q.Pending+q.Active+q.Scheduled+q.Retry > 0
		}
		if !busy {
			return
		}
		select {
		case <-ctx.Done():
			h.t.Fatalf("the bridge did not settle: %d mailboxes still busy", n)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (h *harness) postJSON(u string, body any, header http.Header) (int, string) {
	h.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.post(u, "application/json", b, header)
}

func (h *harness) post(u, contentType string, body []byte, header http.Header) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// firstConversation sends a first customer message and returns its
// conversation once it is in the helpdesk.
func (h *harness) firstConversation() fakechatwoot.Conversation {
	h.t.Helper()
	h.notify(received("9001", "Hi, I need help"))
	conv, _ := h.waitMessages(1)
	return conv
}

func redisAddr(t *testing.T) string {
	opt, err := redis.ParseURL(redistest.URL(t, testDB))
	if err != nil {
		t.Fatal(err)
	}
	return opt.Addr
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
