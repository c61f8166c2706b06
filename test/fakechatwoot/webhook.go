package fakechatwoot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// delivery is a webhook to post: where, signed with what, and the body as
// it was when the event happened.
type delivery struct {
	url, secret string
	body        []byte
}

// queueHook queues payload for the inbox's webhook, if it has one and the
// fake is not closed. Callers hold s.mu.
func (s *Server) queueHook(payload obj) {
	if s.hookURL == "" || s.closed {
		return
	}
	s.pending = append(s.pending, delivery{url: s.hookURL, secret: s.hookSecret, body: mustJSON(payload)})
	s.queued++
	s.broadcast()
}

// deliver posts the queued webhooks one at a time, in order, until Close.
func (s *Server) deliver(ctx context.Context) {
	defer close(s.done)
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		for len(s.pending) == 0 && !s.closed {
			s.waitChange()
		}
		if s.closed {
			s.pending = nil
			s.delivered = s.queued
			s.broadcast()
			return
		}
		d := s.pending[0]
		s.pending = s.pending[1:]
		s.mu.Unlock()
		s.send(ctx, d)
		s.mu.Lock()
		s.delivered++
		s.broadcast()
	}
}

// send delivers one webhook as Chatwoot does: one attempt, 5 s, and the
// answer only goes to Chatwoot's log, which the fake does not keep.
func (s *Server) send(ctx context.Context, d delivery) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if d.secret != "" {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte(d.secret))
		mac.Write([]byte(ts + "."))
		mac.Write(d.body)
		req.Header.Set("X-Chatwoot-Timestamp", ts)
		req.Header.Set("X-Chatwoot-Delivery", uuid.NewString())
		req.Header.Set("X-Chatwoot-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := s.hookClient.Do(req)
	if err != nil {
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}
