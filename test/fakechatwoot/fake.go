// Package fakechatwoot is a strict in-process fake of the Chatwoot
// application API as an API-channel inbox uses it, and of the webhooks such
// an inbox sends. It answers in the shapes Chatwoot 4.x answers in, rejects
// what Chatwoot rejects, and records every API request for tests to inspect.
//
// The fake has one account (Config.AccountID) with one API inbox
// (Config.InboxID), one administrator whose access token is Config.Token,
// and one agent bot.
package fakechatwoot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

type Config struct {
	Token     string
	AccountID int64
	InboxID   int64
}

type Contact struct {
	ID                                   int64
	Name, Email, PhoneNumber, Identifier string
}

// Conversation is a conversation of the inbox; ID is its display id and
// SourceID the source_id of its contact inbox.
type Conversation struct {
	ID        int64
	InboxID   int64
	ContactID int64
	SourceID  string
	Status    string
}

// Attachment is a file of a message. FileType is image, audio, video or
// file.
type Attachment struct {
	FileType, ContentType, FileName string
	Data                            []byte
}

// Message is a message of a conversation. MessageType is "incoming",
// "outgoing", "activity" or "template"; SenderType is "User", "AgentBot",
// "Contact" or "" as Chatwoot stores it.
type Message struct {
	ID, ConversationID int64
	Content            string
	MessageType        string
	Private            bool
	SourceID           string
	Status             string
	ExternalError      string
	SenderType         string
	Attachments        []Attachment
}

// Request is an API request the fake answered: its path has no query, its
// body is as received.
type Request struct {
	Method, Path string
	Status       int
	Body         []byte
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	cfg        Config
	srv        *httptest.Server
	hookClient *http.Client
	stop       context.CancelFunc // cancels the webhook delivery in flight
	done       chan struct{}      // closed when the deliverer has stopped

	mu sync.Mutex
	// changed is closed and replaced on every change of the state below.
	changed chan struct{}
	closed  bool

	failing int
	blocks  int // Block calls not yet released
	held    int // requests waiting for the blocks to go

	hookURL, hookSecret string
	pending             []delivery
	queued, delivered   int

	ids            idCounters
	contacts       []*contact
	contactInboxes []*contactInbox
	conversations  []*conversation
	messages       map[int64][]*message // by conversation
	blobs          map[int64]*attachment
	requests       []Request
}

// idCounters hold the last id of each kind. They start apart so that an id
// used as the wrong kind finds nothing.
type idCounters struct {
	contact, contactInbox, conversation, message, attachment int64
}

// New starts a fake on a loopback port.
func New(cfg Config) *Server {
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{
		cfg:        cfg,
		hookClient: &http.Client{Timeout: 5 * time.Second},
		stop:       stop,
		done:       make(chan struct{}),
		changed:    make(chan struct{}),
		ids:        idCounters{contact: 100, contactInbox: 200, message: 1000, attachment: 5000},
		messages:   map[int64][]*message{},
		blobs:      map[int64]*attachment{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	go s.deliver(ctx)
	return s
}

// URL is the base URL of the fake, such as http://127.0.0.1:4321.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the webhook deliverer, dropping what it has not sent, and the
// server. Requests held by Block are abandoned.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.broadcast()
	s.mu.Unlock()
	s.stop()
	<-s.done
	s.srv.Close()
}

// SetWebhook sets the inbox's webhook URL ("" for none) and the secret its
// deliveries are signed with ("" for unsigned deliveries, as OneHash and
// Chatwoot before 4.13 send them). It applies to events from now on.
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hookURL, s.hookSecret = url, secret
}

// SetFailing makes every API request answer status with a JSON error until
// SetFailing(0).
func (s *Server) SetFailing(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = status
	s.broadcast()
}

// Block holds every API request, unanswered, until release is called. A
// held request is carried out once released even if its client has given
// up meanwhile, as Rails would.
func (s *Server) Block() (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocks++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.blocks--
			s.broadcast()
		})
	}
}

// Wait returns nil once cond holds, checking it again after every change of
// the fake's state, or ctx's error. cond may call the Server's methods.
func (s *Server) Wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitWebhooks waits until every webhook queued so far has been delivered,
// whatever the answer, or dropped.
func (s *Server) WaitWebhooks(ctx context.Context) error {
	s.mu.Lock()
	target := s.queued
	s.mu.Unlock()
	return s.Wait(ctx, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.delivered >= target
	})
}

// broadcast wakes everything waiting for a change. Callers hold s.mu.
func (s *Server) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitChange releases s.mu until the next change. Callers hold s.mu.
func (s *Server) waitChange() {
	changed := s.changed
	s.mu.Unlock()
	<-changed
	s.mu.Lock()
}

// Contacts returns the contacts in the order they were created.
func (s *Server) Contacts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Contact, len(s.contacts))
	for i, c := range s.contacts {
		out[i] = c.Contact
	}
	return out
}

// Conversations returns the conversations in the order they were created.
func (s *Server) Conversations() []Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Conversation, len(s.conversations))
	for i, c := range s.conversations {
		out[i] = c.Conversation
	}
	return out
}

// Messages returns a conversation's messages in the order they were
// created.
func (s *Server) Messages(conversationID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages[conversationID] {
		out = append(out, m.public())
	}
	return out
}

// Requests returns the API requests answered so far, in order. Webhook
// deliveries and attachment downloads are not among them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// AddContact creates a contact as an agent would in the helpdesk: validated
// as the API validates, without a contact inbox.
func (s *Server) AddContact(c Contact) (Contact, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.newContact(c, nil, nil)
	if err != nil {
		return Contact{}, err
	}
	s.insertContact(rec)
	s.broadcast()
	return rec.Contact, nil
}

// AgentReply posts a reply by the agent, which fires message_created.
func (s *Server) AgentReply(conversationID int64, text string) (Message, error) {
	return s.post(conversationID, draft{content: text, typ: outgoing, senderType: senderUser})
}

// AgentReplyWithAttachment posts a reply by the agent with a file. An empty
// FileType is derived from ContentType, an empty ContentType sniffed.
func (s *Server) AgentReplyWithAttachment(conversationID int64, text string, a Attachment) (Message, error) {
	return s.post(conversationID, draft{content: text, typ: outgoing, senderType: senderUser, files: []Attachment{normalizeFile(a)}})
}

// BotReply posts a reply by the agent bot.
func (s *Server) BotReply(conversationID int64, text string) (Message, error) {
	return s.post(conversationID, draft{content: text, typ: outgoing, senderType: senderBot})
}

// PrivateNote posts a private note by the agent.
func (s *Server) PrivateNote(conversationID int64, text string) (Message, error) {
	return s.post(conversationID, draft{content: text, typ: outgoing, private: true, senderType: senderUser})
}

func (s *Server) post(conversationID int64, d draft) (Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cv := s.conversation(conversationID)
	if cv == nil {
		return Message{}, fmt.Errorf("fakechatwoot: no conversation %d", conversationID)
	}
	m, err := s.addMessage(cv, d)
	if err != nil {
		return Message{}, err
	}
	s.broadcast()
	return m.public(), nil
}

// SetConversationStatus changes a conversation's status as an agent would
// in the helpdesk; a change fires conversation_status_changed.
func (s *Server) SetConversationStatus(conversationID int64, status string) error {
	if !slices.Contains(conversationStatuses, status) {
		return fmt.Errorf("fakechatwoot: %q is not a conversation status", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cv := s.conversation(conversationID)
	if cv == nil {
		return fmt.Errorf("fakechatwoot: no conversation %d", conversationID)
	}
	s.setStatus(cv, status)
	s.broadcast()
	return nil
}

// apiError is an error answer of the API.
type apiError struct {
	status int
	body   obj
}

func (e *apiError) Error() string {
	return fmt.Sprintf("fakechatwoot: %d %s: %s", e.status, http.StatusText(e.status), mustJSON(e.body))
}

func errorAnswer(status int, message string) *apiError {
	return &apiError{status: status, body: obj{"error": message}}
}

var errNotFound = errorAnswer(http.StatusNotFound, "Resource could not be found")

func unprocessable(format string, args ...any) *apiError {
	return errorAnswer(http.StatusUnprocessableEntity, fmt.Sprintf(format, args...))
}

func asAPIError(err error) *apiError {
	var e *apiError
	if errors.As(err, &e) {
		return e
	}
	return errorAnswer(http.StatusInternalServerError, err.Error())
}
