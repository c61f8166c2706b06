package fakechatwoot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// delivery is a webhook to post: where, signed with what, and the body as
// it was when the event happened. message is the message of a message
// event, which a failed delivery marks failed.
type delivery struct {
	url, secret string
	body        []byte
	message     *message
}

// queueHook queues payload for the inbox's webhook, if it has one and the
// fake is not closed. Callers hold s.mu.
func (s *Server) queueHook(payload obj) {
	s.queueMessageHook(payload, nil)
}

// queueMessageHook is queueHook for an event about m. Callers hold s.mu.
func (s *Server) queueMessageHook(payload obj, m *message) {
	if s.hookURL == "" || s.closed {
		return
	}
	s.pending = append(s.pending, delivery{url: s.hookURL, secret: s.hookSecret, body: mustJSON(payload), message: m})
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
		err := s.send(ctx, d)
		s.mu.Lock()
		if err != nil && d.message != nil && !s.closed {
			// Chatwoot's Webhooks::Trigger marks the message of a
			// message_created or message_updated event failed when the API
			// inbox's webhook does not take it (without a further webhook).
			d.message.Status, d.message.ExternalError = "failed", "Webhook delivery failed: "+err.Error()
		}
		s.delivered++
		s.broadcast()
	}
}

// send delivers one webhook as Chatwoot does: one attempt, 5 s. It fails on
// no answer or one that is not 2xx.
func (s *Server) send(ctx context.Context, d delivery) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return err
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
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the webhook answered %d", resp.StatusCode)
	}
	return nil
}
