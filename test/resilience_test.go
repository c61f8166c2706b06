package test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Twenty first messages of a new contact, all arriving before the helpdesk
// has answered the first call: one contact, one conversation, twenty
// messages in the order Ongair sent them.
func TestConcurrentFirstMessagesInOrder(t *testing.T) {
	h := start(t)
	release := h.cw.Block()
	const n = 20
	// Ongair sends them one after another; each goroutine starts when the
	// previous webhook was answered, all while the helpdesk is held.
	var wg sync.WaitGroup
	prev := make(chan struct{})
	close(prev)
	for i := range n {
		next := make(chan struct{})
		wg.Add(1)
		go func(prev <-chan struct{}, next chan<- struct{}) {
			defer wg.Done()
			<-prev
			h.notify(received(fmt.Sprint(1000+i), fmt.Sprint("message ", i)))
			close(next)
		}(prev, next)
		prev = next
	}
	wg.Wait()
	release()
	_, msgs := h.waitMessages(n)
	for i, m := range msgs {
		if want := fmt.Sprint("message ", i); m.Content != want {
			t.Fatalf("message %d = %q, want %q", i, m.Content, want)
		}
	}
	if c, v := len(h.cw.Contacts()), len(h.cw.Conversations()); c != 1 || v != 1 {
		t.Errorf("%d contacts and %d conversations, want one of each", c, v)
	}
}

// Twenty truly simultaneous first messages: still one contact and one
// conversation, each message exactly once.
func TestSimultaneousFirstMessages(t *testing.T) {
	h := start(t)
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.notify(received(fmt.Sprint(2000+i), fmt.Sprint("burst ", i)))
		}()
	}
	wg.Wait()
	_, msgs := h.waitMessages(n)
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.Content] {
			t.Errorf("%q twice", m.Content)
		}
		seen[m.Content] = true
	}
	if c, v := len(h.cw.Contacts()), len(h.cw.Conversations()); c != 1 || v != 1 {
		t.Errorf("%d contacts and %d conversations, want one of each", c, v)
	}
}

// The helpdesk answers 503 for a while: every message arrives afterwards,
// once each, in order.
func TestHelpdeskOutage(t *testing.T) {
	h := start(t)
	h.firstConversation()
	h.cw.SetFailing(http.StatusServiceUnavailable)
	const n = 10
	for i := range n {
		h.notify(received(fmt.Sprint(3000+i), fmt.Sprint("during outage ", i)))
	}
	h.waitCW("retries against the outage", func() bool {
		failed := 0
		for _, r := range h.cw.Requests() {
			if r.Status == http.StatusServiceUnavailable {
				failed++
			}
		}
		return failed >= 3
	})
	h.cw.SetFailing(0)
	_, msgs := h.waitMessages(n + 1)
	for i, m := range msgs[1:] {
		if want := fmt.Sprint("during outage ", i); m.Content != want {
			t.Fatalf("message %d = %q, want %q", i, m.Content, want)
		}
	}
	h.settle()
	if _, msgs = h.waitMessages(n + 1); len(msgs) != n+1 {
		t.Errorf("%d messages after settling, want %d", len(msgs), n+1)
	}
}

// Bad input gets a 4xx with a JSON error, changes nothing, and the bridge
// keeps serving.
func TestBadInput(t *testing.T) {
	h := start(t)
	valid := "notification_type=MessageReceived&phone_number=" + customer + "&text=hi&id=1"
	big := strings.Repeat("x", 1<<20+1)
	sigHeader := http.Header{"X-Chatwoot-Signature": {"sha256=00"}, "X-Chatwoot-Timestamp": {"1700000000"}}
	tests := []struct {
		name        string
		url         string
		contentType string
		body        string
		header      http.Header
		want        int
	}{
		{"no token", h.url + "/webhooks/ongair", "application/x-www-form-urlencoded", valid, nil, 401},
		{"wrong token", h.url + "/webhooks/ongair?token=nope", "application/x-www-form-urlencoded", valid, nil, 401},
		{"wrong token, helpdesk", h.url + "/webhooks/chatwoot?token=nope", "application/json", "{}", nil, 401},
		{"malformed JSON", h.ongairHook, "application/json", `{"notification_type":`, nil, 400},
		{"no notification_type", h.ongairHook, "application/x-www-form-urlencoded", "text=hi", nil, 400},
		{"no contact", h.ongairHook, "application/x-www-form-urlencoded", "notification_type=MessageReceived&text=hi", nil, 400},
		{"bad latitude", h.ongairHook, "application/x-www-form-urlencoded", "notification_type=LocationReceived&phone_number=1&latitude=north&longitude=1", nil, 400},
		{"oversized", h.ongairHook, "application/x-www-form-urlencoded", "notification_type=MessageReceived&phone_number=" + customer + "&text=" + big, nil, 413},
		{"oversized, helpdesk", h.chatwootHook, "application/json", `{"event":"` + big + `"}`, nil, 413},
		{"bad signature", h.chatwootHook, "application/json", `{"event":"message_created"}`, sigHeader, 401},
		{"unsigned", h.chatwootHook, "application/json", `{"event":"message_created"}`, nil, 401},
		{"unknown path", h.url + "/webhooks/other?token=" + webhookToken, "application/json", "{}", nil, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := h.post(tc.url, tc.contentType, []byte(tc.body), tc.header)
			if status != tc.want || !strings.HasPrefix(body, `{"error":"`) {
				t.Errorf("answered %d %s, want %d with a JSON error", status, body, tc.want)
			}
		})
	}
	if n := len(h.cw.Requests()); n != 0 {
		t.Errorf("bad input caused %d helpdesk requests", n)
	}
	h.firstConversation()
}

// When Redis cannot take an event the webhook answers 503 (so Ongair may
// retry, and the helpdesk shows the agent's reply failed), and takes events
// again once Redis is back.
func TestRedisUnavailable(t *testing.T) {
	proxy := newTCPProxy(t, redisAddr(t))
	h := start(t, withRedisAddr(proxy.addr()))
	conv := h.firstConversation()
	h.settle()

	proxy.cut()
	status, body := h.notifyStatus(received("1", "while Redis is down"))
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "Redis") {
		t.Errorf("answered %d %s, want 503", status, body)
	}
	reply, err := h.cw.AgentReply(conv.ID, "Sent while Redis is down")
	if err != nil {
		t.Fatal(err)
	}
	h.waitCW("the reply marked failed", func() bool { return h.message(conv.ID, reply.ID).Status == "failed" })

	proxy.restore()
	h.notify(received("2", "Redis is back"))
	_, msgs := h.waitMessages(3) // the customer's, the failed reply, and this
	if msgs[2].Content != "Redis is back" {
		t.Errorf("content = %q", msgs[2].Content)
	}
	if sent := h.og.Sent(); len(sent) != 0 {
		t.Errorf("Ongair sent %+v, want nothing", sent)
	}
}

// tcpProxy forwards connections to Redis until cut.
type tcpProxy struct {
	t      *testing.T
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{t: t, ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *tcpProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}
