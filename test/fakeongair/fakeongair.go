// Package fakeongair is a strict in-process fake of Ongair's send API, built
// from Ongair's two API documents: it takes the requests the real one takes,
// rejects the ones it rejects with the same status and body, and can post
// notifications to a bridge as Ongair does.
package fakeongair

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

type Config struct {
	Token string
	// StringIDs makes send answers carry ids as strings, as the second
	// document shows ({"sent":"true","id":"35345435"}), instead of numbers.
	StringIDs bool
}

// Sent is a message Ongair accepted.
type Sent struct {
	Kind        string // text, image or group
	ID          int
	PhoneNumber string // as the request named the customer
	ExternalID  string
	GroupID     string
	Text        string // the text, or an image's caption
	Image       string
	ContentType string
	Thread      bool
}

// Request is one call to the API, with the status it got.
type Request struct {
	Method string
	Path   string
	Status int
	Form   url.Values
}

type Server struct {
	cfg Config
	srv *httptest.Server

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every change
	contacts map[string]bool
	groups   map[string]bool
	media    map[string]mediaFile
	sent     []Sent
	requests []Request
	nextID   int
	failing  int
	failNext int
	failCode int
	echoURL  string
}

type mediaFile struct {
	contentType string
	data        []byte
}

func New(cfg Config) *Server {
	s := &Server{
		cfg:      cfg,
		changed:  make(chan struct{}),
		contacts: map[string]bool{},
		groups:   map[string]bool{},
		media:    map[string]mediaFile{},
		nextID:   2067,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/base/send", s.api(s.send))
	mux.HandleFunc("/api/v1/base/send_image", s.api(s.sendImage))
	mux.HandleFunc("/api/v1/base/groups/{id}/send_message", s.api(s.sendGroup))
	mux.HandleFunc("/api/", s.api(func(url.Values, *http.Request) (int, any) {
		return http.StatusNotFound, errorBody("Not found")
	}))
	mux.HandleFunc("GET /media/{name}", s.serveMedia)
	s.srv = httptest.NewServer(mux)
	return s
}

func (s *Server) URL() string { return s.srv.URL }
func (s *Server) Close()      { s.srv.Close() }

// AddContact makes a customer known, by phone number ("254722200200") or,
// for other channels, by user id. Sends to unknown customers get a 422.
func (s *Server) AddContact(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contacts[strings.TrimPrefix(id, "+")] = true
}

// AddGroup makes a group the account belongs to known.
func (s *Server) AddGroup(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = true
}

// AddMedia serves a file as Ongair's media links do, publicly, and returns
// its URL.
func (s *Server) AddMedia(name, contentType string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[name] = mediaFile{contentType, data}
	return s.srv.URL + "/media/" + url.PathEscape(name)
}

// SetEchoURL makes the fake post a MessageSent notification for every
// message it sends to a customer, to url, before it answers the send call —
// as Ongair echoes the messages sent through its API.
func (s *Server) SetEchoURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echoURL = u
}

// SetFailing makes every API call answer status until SetFailing(0).
func (s *Server) SetFailing(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = status
}

// FailNext makes the next n API calls answer status.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failCode = n, status
}

// Sent lists the accepted messages in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Requests lists every API call in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Wait returns once cond holds, checking it after every change.
func (s *Server) Wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// notifyLocked wakes Wait; s.mu is held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Notify posts a notification to a bridge as Ongair does: form-encoded.
func Notify(ctx context.Context, endpoint string, fields url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(fields.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

type handler func(form url.Values, r *http.Request) (int, any)

// api authenticates, parses and records a call, and answers with JSON.
func (s *Server) api(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		form, status, body := s.check(r)
		if status == 0 {
			status, body = h(form, r)
		}
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Status: status, Form: form})
		s.notifyLocked()
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(body)
	}
}

// check is what every call goes through before its handler: the method, the
// token (header, else the token parameter), the body, and injected failures.
func (s *Server) check(r *http.Request) (url.Values, int, any) {
	if r.Method != http.MethodPost {
		return nil, http.StatusNotFound, errorBody("Not found")
	}
	form, err := readForm(r)
	if err != nil {
		return nil, http.StatusBadRequest, errorBody(err.Error())
	}
	if !s.authorized(r, form) {
		return form, http.StatusUnauthorized, errorBody("Invalid API Token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.failing != 0:
		return form, s.failing, errorBody(http.StatusText(s.failing))
	case s.failNext > 0:
		s.failNext--
		return form, s.failCode, errorBody(http.StatusText(s.failCode))
	}
	return form, 0, nil
}

// tokenHeader reads `Token token="…"`, and the unquoted and `token:` forms
// the second document shows.
var tokenHeader = regexp.MustCompile(`^Token\s+token\s*[=:]\s*"?([^"]*)"?\s*$`)

func (s *Server) authorized(r *http.Request, form url.Values) bool {
	token := r.URL.Query().Get("token")
	if token == "" {
		token = form.Get("token")
	}
	if m := tokenHeader.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		token = m[1]
	}
	return token != "" && token == s.cfg.Token
}

// readForm reads a form-encoded, multipart or JSON body, as Rails does.
func readForm(r *http.Request) (url.Values, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
			return nil, fmt.Errorf("the body cannot be read: %v", err)
		}
		return r.PostForm, nil
	case "application/json":
		var raw map[string]any
		if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
			return nil, fmt.Errorf("the body is not JSON: %v", err)
		}
		form := url.Values{}
		for k, v := range raw {
			form.Set(k, fmt.Sprint(v))
		}
		return form, nil
	case "":
		return url.Values{}, nil
	}
	return nil, fmt.Errorf("content type %q is not supported", ct)
}

var digits = regexp.MustCompile(`^[1-9]\d{6,14}$`)

// customer finds the recipient: WhatsApp by phone_number (digits only, as
// the first document writes it), other channels by external_id. Both
// documents' 422 says the contact does not exist.
func (s *Server) customer(form url.Values) (phone, externalID string, status int, body any) {
	phone, externalID = form.Get("phone_number"), form.Get("external_id")
	if phone == "" && externalID == "" {
		return "", "", http.StatusUnprocessableEntity, errorBody("No phone number or external id was provided")
	}
	if phone != "" && !digits.MatchString(phone) {
		return "", "", http.StatusUnprocessableEntity, errorBody("Contact with phone number " + phone + " does not exists")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range []string{phone, strings.TrimPrefix(externalID, "+")} {
		if id != "" && !s.contacts[id] {
			return "", "", http.StatusUnprocessableEntity, errorBody("Contact with phone number " + id + " does not exists")
		}
	}
	if phone != "" && externalID != "" && phone != strings.TrimPrefix(externalID, "+") {
		return "", "", http.StatusUnprocessableEntity, errorBody("phone_number and external_id name different contacts")
	}
	return phone, externalID, 0, nil
}

func (s *Server) send(form url.Values, r *http.Request) (int, any) {
	phone, ext, status, body := s.customer(form)
	if status != 0 {
		return status, body
	}
	if strings.TrimSpace(form.Get("text")) == "" {
		return http.StatusUnprocessableEntity, errorBody("Text can't be blank")
	}
	return s.accept(Sent{Kind: "text", PhoneNumber: phone, ExternalID: ext, Text: form.Get("text"), Thread: form.Get("thread") == "true"})
}

func (s *Server) sendImage(form url.Values, r *http.Request) (int, any) {
	phone, ext, status, body := s.customer(form)
	if status != 0 {
		return status, body
	}
	image, ctype := form.Get("image"), form.Get("content_type")
	if u, err := url.Parse(image); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return http.StatusUnprocessableEntity, errorBody("Image must be a publicly accessible URL")
	}
	if !strings.HasPrefix(ctype, "image/") {
		return http.StatusUnprocessableEntity, errorBody("Content type must be an image type such as image/jpeg")
	}
	caption := form.Get("caption")
	if caption == "" {
		caption = form.Get("text")
	}
	return s.accept(Sent{Kind: "image", PhoneNumber: phone, ExternalID: ext, Image: image, ContentType: ctype, Text: caption, Thread: form.Get("thread") == "true"})
}

func (s *Server) sendGroup(form url.Values, r *http.Request) (int, any) {
	id := r.PathValue("id")
	s.mu.Lock()
	known := s.groups[id]
	s.mu.Unlock()
	if !known {
		return http.StatusUnprocessableEntity, errorBody("No group with id '" + id + "' exists")
	}
	if strings.TrimSpace(form.Get("text")) == "" {
		return http.StatusUnprocessableEntity, errorBody("Text can't be blank")
	}
	return s.accept(Sent{Kind: "group", GroupID: id, Text: form.Get("text")})
}

// accept records a message, echoes it if asked to, and answers as Ongair.
func (s *Server) accept(m Sent) (int, any) {
	s.mu.Lock()
	m.ID = s.nextID
	s.nextID++
	s.sent = append(s.sent, m)
	echo := s.echoURL
	s.notifyLocked()
	s.mu.Unlock()

	if echo != "" && m.Kind != "group" {
		contact := m.ExternalID
		if contact == "" {
			contact = "+" + m.PhoneNumber
		}
		Notify(context.Background(), echo, url.Values{
			"notification_type": {"MessageSent"}, "id": {strconv.Itoa(m.ID)}, "text": {m.Text},
			"external_contact_id": {contact}, "conversation_id": {"1"}, "account_type": {"WhatsApp"},
		})
	}
	if s.cfg.StringIDs {
		return http.StatusOK, map[string]string{"sent": "true", "id": strconv.Itoa(m.ID), "conversation_id": "1"}
	}
	return http.StatusOK, map[string]any{"sent": true, "id": m.ID}
}

func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f, ok := s.media[r.PathValue("name")]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Write(f.data)
}

func errorBody(msg string) map[string]string { return map[string]string{"error": msg} }
