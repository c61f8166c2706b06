package fakechatwoot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	maxBody    = 64 << 20
	blobPrefix = "/rails/active_storage/blobs/"
)

// call is an API request on its way to its handler.
type call struct {
	r    *http.Request
	body []byte
	ids  []int64         // the ids in the path, in order
	json bool            // the body is a JSON object
	form *multipart.Form // the body was multipart/form-data
}

type route struct {
	method string
	path   string // under /api/v1/accounts/{account}/; ":id" is an id
	form   bool   // multipart/form-data is accepted as well as JSON
	handle func(*Server, *call) (any, error)
}

var routes = []route{
	{http.MethodPost, "contacts", false, (*Server).createContact},
	{http.MethodGet, "contacts/search", false, (*Server).searchContactsAPI},
	{http.MethodPost, "contacts/filter", false, (*Server).filterContacts},
	{http.MethodPost, "contacts/:id/contact_inboxes", false, (*Server).createContactInbox},
	{http.MethodGet, "contacts/:id/conversations", false, (*Server).contactConversations},
	{http.MethodPost, "conversations", false, (*Server).createConversation},
	{http.MethodGet, "conversations/:id", false, (*Server).getConversation},
	{http.MethodPost, "conversations/:id/toggle_status", false, (*Server).toggleStatus},
	{http.MethodPost, "conversations/:id/messages", true, (*Server).createMessage},
	{http.MethodPatch, "conversations/:id/messages/:id", false, (*Server).updateMessage},
	{http.MethodPut, "conversations/:id/messages/:id", false, (*Server).updateMessage},
}

// match finds the route of a request and the account and ids in its path.
func match(method, path string) (rt *route, account string, args []string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) < 5 || segs[0] != "api" || segs[1] != "v1" || segs[2] != "accounts" {
		return nil, "", nil
	}
	account, segs = segs[3], segs[4:]
	for i := range routes {
		rt := &routes[i]
		pattern := strings.Split(rt.path, "/")
		if rt.method != method || !matches(pattern, segs) {
			continue
		}
		for j, p := range pattern {
			if p == ":id" {
				args = append(args, segs[j])
			}
		}
		return rt, account, args
	}
	return nil, "", nil
}

func matches(pattern, segs []string) bool {
	if len(pattern) != len(segs) {
		return false
	}
	for j, p := range pattern {
		if p != segs[j] && (p != ":id" || segs[j] == "") {
			return false
		}
	}
	return true
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, blobPrefix) {
		s.serveBlob(w, r)
		return
	}
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))

	s.mu.Lock()
	if s.blocks > 0 {
		s.held++
		s.broadcast()
		for s.blocks > 0 && !s.closed {
			s.waitChange()
		}
		s.held--
	}
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "the fake is closed", http.StatusServiceUnavailable)
		return
	}
	status, answer := s.answer(r, body, readErr)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Status: status, Body: body})
	s.broadcast()
	out := mustJSON(answer)
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(out)
}

// answer carries out an API request. Callers hold s.mu.
func (s *Server) answer(r *http.Request, body []byte, readErr error) (int, any) {
	if s.failing != 0 {
		return s.failing, obj{"error": http.StatusText(s.failing)}
	}
	if readErr != nil {
		if errors.As(readErr, new(*http.MaxBytesError)) {
			return http.StatusRequestEntityTooLarge, obj{"error": "Request Entity Too Large"}
		}
		return http.StatusBadRequest, obj{"error": readErr.Error()}
	}
	rt, account, args := match(r.Method, r.URL.Path)
	if rt == nil {
		return http.StatusNotFound, obj{"error": "Not Found"}
	}
	if s.cfg.Token == "" || r.Header.Get("api_access_token") != s.cfg.Token {
		return http.StatusUnauthorized, obj{"error": "You need to sign in or sign up before continuing."}
	}
	if account != strconv.FormatInt(s.cfg.AccountID, 10) {
		return errNotFound.status, errNotFound.body
	}
	c := &call{r: r, body: body}
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return errNotFound.status, errNotFound.body
		}
		c.ids = append(c.ids, id)
	}
	if err := c.readBody(rt.form); err != nil {
		e := asAPIError(err)
		return e.status, e.body
	}
	if c.form != nil {
		defer c.form.RemoveAll()
	}
	res, err := rt.handle(s, c)
	if err != nil {
		e := asAPIError(err)
		return e.status, e.body
	}
	return http.StatusOK, res
}

// readBody checks the body is what Rails would parse: a JSON object, or
// multipart/form-data where formOK. Malformed JSON is a 400 as in Rails.
func (c *call) readBody(formOK bool) error {
	if c.r.Method == http.MethodGet {
		return nil
	}
	mediaType, params, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	switch {
	case mediaType == "application/json":
		trimmed := bytes.TrimSpace(c.body)
		if len(trimmed) == 0 {
			return nil
		}
		if !json.Valid(trimmed) {
			return errorAnswer(http.StatusBadRequest, "The request body is not valid JSON")
		}
		if trimmed[0] != '{' {
			return errorAnswer(http.StatusBadRequest, "The request body is not a JSON object")
		}
		c.json = true
	case mediaType == "multipart/form-data" && formOK:
		form, err := multipart.NewReader(bytes.NewReader(c.body), params["boundary"]).ReadForm(maxBody)
		if err != nil {
			return errorAnswer(http.StatusBadRequest, "The multipart body is malformed: "+err.Error())
		}
		c.form = form
	case len(c.body) == 0:
	default:
		return unprocessable("Content-Type %q is not accepted here: send application/json", c.r.Header.Get("Content-Type"))
	}
	return nil
}

// decode decodes the JSON body into v; without one v keeps its zero value.
func (c *call) decode(v any) error {
	if !c.json {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return unprocessable("Invalid parameters: %v", err)
	}
	return nil
}

// pageParam is the page query parameter as Kaminari reads it.
func (c *call) pageParam() int {
	n, err := strconv.Atoi(c.r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// serveBlob serves an attachment's bytes, as Chatwoot serves them to
// anyone with the link.
func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request) {
	idText, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, blobPrefix), "/")
	id, _ := strconv.ParseInt(idText, 10, 64)
	s.mu.Lock()
	a := s.blobs[id]
	s.mu.Unlock()
	if a == nil || a.FileName != name || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	http.ServeContent(w, r, a.FileName, time.Time{}, bytes.NewReader(a.Data))
}

// flexID is an id parameter: Rails takes 7 and "7" alike.
type flexID int64

func (n *flexID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%s is not an id", b)
	}
	*n = flexID(v)
	return nil
}
