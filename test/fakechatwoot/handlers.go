package fakechatwoot

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"slices"
	"strings"
)

// The API handlers. They run with s.mu held.

func (s *Server) createContact(c *call) (any, error) {
	var p struct {
		Name                 string         `json:"name"`
		Email                string         `json:"email"`
		PhoneNumber          string         `json:"phone_number"`
		Identifier           string         `json:"identifier"`
		InboxID              flexID         `json:"inbox_id"`
		SourceID             string         `json:"source_id"`
		AdditionalAttributes map[string]any `json:"additional_attributes"`
		CustomAttributes     map[string]any `json:"custom_attributes"`
	}
	if err := c.decode(&p); err != nil {
		return nil, err
	}
	rec, err := s.newContact(Contact{Name: p.Name, Email: p.Email, PhoneNumber: p.PhoneNumber, Identifier: p.Identifier},
		p.AdditionalAttributes, p.CustomAttributes)
	if err != nil {
		return nil, err
	}
	// Chatwoot saves the contact, then makes the contact inbox, all in a
	// transaction that an error rolls back.
	if p.InboxID != 0 {
		if int64(p.InboxID) != s.cfg.InboxID {
			return nil, errNotFound
		}
		if p.SourceID != "" && s.contactInboxBySource(p.SourceID) != nil {
			return nil, errSourceInUse
		}
	}
	s.insertContact(rec)
	var ci any
	if p.InboxID != 0 {
		inbox, _ := s.contactInboxFor(rec.ID, p.SourceID)
		ci = s.contactInboxJSON(inbox)
	}
	return obj{"payload": obj{"contact": s.contactJSON(rec), "contact_inbox": ci}}, nil
}

func (s *Server) searchContactsAPI(c *call) (any, error) {
	q := strings.TrimSpace(c.r.URL.Query().Get("q"))
	if q == "" {
		return nil, unprocessable("Specify search string with parameter q")
	}
	return s.contactList(s.searchContacts(q), c.pageParam()), nil
}

func (s *Server) contactList(found []*contact, n int) obj {
	payload := []obj{}
	for _, ct := range page(found, n) {
		payload = append(payload, s.contactJSON(ct))
	}
	return obj{"meta": obj{"count": len(found), "current_page": n}, "payload": payload}
}

// filterContacts supports the standard text attributes and operators of
// Chatwoot's contact filter. Conditions combine as in SQL: "and" binds
// tighter than "or".
func (s *Server) filterContacts(c *call) (any, error) {
	var p struct {
		Payload []struct {
			AttributeKey   string `json:"attribute_key"`
			FilterOperator string `json:"filter_operator"`
			Values         []any  `json:"values"`
			QueryOperator  string `json:"query_operator"`
		} `json:"payload"`
	}
	if err := c.decode(&p); err != nil {
		return nil, err
	}
	if len(p.Payload) == 0 {
		return nil, unprocessable("Invalid filter: payload has no conditions")
	}
	var conds []condition
	for i, f := range p.Payload {
		cond := condition{attribute: f.AttributeKey, operator: f.FilterOperator}
		if !slices.Contains([]string{"name", "email", "phone_number", "identifier"}, f.AttributeKey) {
			return nil, unprocessable("Invalid attribute key - [%s] for contact filter", f.AttributeKey)
		}
		if !slices.Contains([]string{"equal_to", "not_equal_to", "contains", "does_not_contain"}, f.FilterOperator) {
			return nil, unprocessable("Invalid filter operator for %s - [%s]", f.AttributeKey, f.FilterOperator)
		}
		if len(f.Values) == 0 {
			return nil, unprocessable("Invalid value - no values for %s", f.AttributeKey)
		}
		for _, v := range f.Values {
			text, ok := scalarText(v)
			if !ok {
				return nil, unprocessable("Invalid value - %v for %s", v, f.AttributeKey)
			}
			if f.AttributeKey == "phone_number" {
				text = "+" + strings.ReplaceAll(text, "+", "")
			}
			cond.values = append(cond.values, strings.ToLower(text))
		}
		op := strings.ToLower(f.QueryOperator)
		if (op != "" && op != "and" && op != "or") || (op == "" && i < len(p.Payload)-1) {
			return nil, unprocessable("Invalid query operator - [%s]", f.QueryOperator)
		}
		cond.or = op == "or"
		conds = append(conds, cond)
	}
	var found []*contact
	for _, ct := range s.contacts {
		if matchAll(ct, conds) {
			found = append(found, ct)
		}
	}
	return s.contactList(found, c.pageParam()), nil
}

type condition struct {
	attribute, operator string
	values              []string // lower case
	or                  bool     // or-ed with the next condition
}

func (cond condition) holds(ct *contact) bool {
	field := map[string]string{"name": ct.Name, "email": ct.Email, "phone_number": ct.PhoneNumber, "identifier": ct.Identifier}[cond.attribute]
	field = strings.ToLower(field)
	switch cond.operator {
	case "equal_to":
		return slices.Contains(cond.values, field)
	case "not_equal_to":
		return !slices.Contains(cond.values, field)
	case "contains":
		return strings.Contains(field, cond.values[0])
	default: // does_not_contain
		return !strings.Contains(field, cond.values[0])
	}
}

func matchAll(ct *contact, conds []condition) bool {
	group := true
	for _, cond := range conds {
		group = group && cond.holds(ct)
		if cond.or {
			if group {
				return true
			}
			group = true
		}
	}
	return group
}

func (s *Server) createContactInbox(c *call) (any, error) {
	ct := s.contact(c.ids[0])
	if ct == nil {
		return nil, errNotFound
	}
	var p struct {
		InboxID  flexID `json:"inbox_id"`
		SourceID string `json:"source_id"`
	}
	if err := c.decode(&p); err != nil {
		return nil, err
	}
	if int64(p.InboxID) != s.cfg.InboxID {
		return nil, errNotFound
	}
	ci, ok := s.contactInboxFor(ct.ID, p.SourceID)
	if !ok {
		return nil, errSourceInUse
	}
	return s.contactInboxJSON(ci), nil
}

func (s *Server) contactConversations(c *call) (any, error) {
	ct := s.contact(c.ids[0])
	if ct == nil {
		return nil, errNotFound
	}
	payload := []obj{}
	for i := len(s.conversations) - 1; i >= 0 && len(payload) < 20; i-- {
		if cv := s.conversations[i]; cv.ContactID == ct.ID {
			payload = append(payload, s.conversationJSON(cv))
		}
	}
	return obj{"payload": payload}, nil
}

// createConversation finds the contact inbox as Chatwoot does: with both
// inbox_id and contact_id it finds or makes the contact's contact inbox with
// source_id; otherwise source_id must name one. A contact_id that is not
// the contact inbox's contact is refused.
func (s *Server) createConversation(c *call) (any, error) {
	var p struct {
		SourceID             string          `json:"source_id"`
		InboxID              flexID          `json:"inbox_id"`
		ContactID            flexID          `json:"contact_id"`
		Status               string          `json:"status"`
		AdditionalAttributes map[string]any  `json:"additional_attributes"`
		CustomAttributes     map[string]any  `json:"custom_attributes"`
		Message              json.RawMessage `json:"message"`
	}
	if err := c.decode(&p); err != nil {
		return nil, err
	}
	if p.InboxID != 0 && int64(p.InboxID) != s.cfg.InboxID {
		return nil, errNotFound
	}
	if p.ContactID != 0 && s.contact(int64(p.ContactID)) == nil {
		return nil, errNotFound
	}
	if p.Status == "" {
		p.Status = "open"
	}
	if !slices.Contains(conversationStatuses, p.Status) {
		return nil, unprocessable("'%s' is not a valid status", p.Status)
	}
	var first *draft
	if m := bytes.TrimSpace(p.Message); len(m) > 0 && string(m) != "null" && string(m) != "{}" {
		var mp messageParams
		if err := json.Unmarshal(m, &mp); err != nil {
			return nil, unprocessable("Invalid parameters: message: %v", err)
		}
		d, err := mp.draft()
		if err != nil {
			return nil, err
		}
		if err := d.validate(); err != nil {
			return nil, err
		}
		first = &d
	}

	var ci *contactInbox
	if p.InboxID != 0 && p.ContactID != 0 {
		var ok bool
		if ci, ok = s.contactInboxFor(int64(p.ContactID), p.SourceID); !ok {
			return nil, unprocessable("source_id should be unique")
		}
	} else {
		if ci = s.contactInboxBySource(p.SourceID); p.SourceID == "" || ci == nil {
			return nil, errNotFound
		}
		if p.ContactID != 0 && ci.contactID != int64(p.ContactID) {
			return nil, unprocessable("contact_id %d is not the contact of source_id %q", p.ContactID, p.SourceID)
		}
	}
	cv := s.addConversation(ci, p.Status, p.AdditionalAttributes, p.CustomAttributes)
	if first != nil {
		if _, err := s.addMessage(cv, *first); err != nil {
			return nil, err
		}
	}
	return s.conversationJSON(cv), nil
}

func (s *Server) getConversation(c *call) (any, error) {
	cv := s.conversation(c.ids[0])
	if cv == nil {
		return nil, errNotFound
	}
	return s.conversationJSON(cv), nil
}

// toggleStatus sets the status given, or without one toggles between open
// and resolved.
func (s *Server) toggleStatus(c *call) (any, error) {
	cv := s.conversation(c.ids[0])
	if cv == nil {
		return nil, errNotFound
	}
	var p struct {
		Status string `json:"status"`
	}
	if err := c.decode(&p); err != nil {
		return nil, err
	}
	switch {
	case p.Status == "" && cv.Status == "open":
		p.Status = "resolved"
	case p.Status == "":
		p.Status = "open"
	case !slices.Contains(conversationStatuses, p.Status):
		return nil, unprocessable("'%s' is not a valid status", p.Status)
	}
	s.setStatus(cv, p.Status)
	return obj{"meta": obj{}, "payload": obj{
		"success":         true,
		"conversation_id": cv.ID,
		"current_status":  cv.Status,
		"snoozed_until":   nil,
	}}, nil
}

func (s *Server) createMessage(c *call) (any, error) {
	cv := s.conversation(c.ids[0])
	if cv == nil {
		return nil, errNotFound
	}
	var d draft
	var err error
	if c.form != nil {
		d, err = formDraft(c.form)
	} else {
		var p messageParams
		if err := c.decode(&p); err != nil {
			return nil, err
		}
		d, err = p.draft()
	}
	if err != nil {
		return nil, err
	}
	m, err := s.addMessage(cv, d)
	if err != nil {
		return nil, err
	}
	return s.messageJSON(m), nil
}

// updateMessage sets a message's delivery status as Chatwoot's
// Messages::StatusUpdateService does: read never goes back to delivered,
// and external_error is kept only with failed. An unknown status is a 422
// here, where Chatwoot quietly ignores it.
func (s *Server) updateMessage(c *call) (any, error) {
	cv := s.conversation(c.ids[0])
	if cv == nil {
		return nil, errNotFound
	}
	i := slices.IndexFunc(s.messages[cv.ID], func(m *message) bool { return m.ID == c.ids[1] })
	if i < 0 {
		return nil, errNotFound
	}
	m := s.messages[cv.ID][i]
	var p struct {
		Status        string `json:"status"`
		ExternalError string `json:"external_error"`
	}
	if err := c.decode(&p); err != nil {
		return nil, err
	}
	if !slices.Contains(messageStatuses, p.Status) {
		return nil, unprocessable("'%s' is not a valid message status", p.Status)
	}
	if m.Status == "read" && p.Status == "delivered" {
		return s.messageJSON(m), nil
	}
	externalError := ""
	if p.Status == "failed" {
		externalError = p.ExternalError
	}
	if m.Status != p.Status || m.ExternalError != externalError {
		m.Status, m.ExternalError = p.Status, externalError
		s.queueMessageHook(s.messageHook("message_updated", m), m)
	}
	return s.messageJSON(m), nil
}

// messageParams is a JSON message create request.
type messageParams struct {
	Content           string          `json:"content"`
	MessageType       any             `json:"message_type"`
	Private           any             `json:"private"`
	ContentType       string          `json:"content_type"`
	ContentAttributes json.RawMessage `json:"content_attributes"`
	SourceID          string          `json:"source_id"`
}

func (p messageParams) draft() (draft, error) {
	typ, ok := scalarText(p.MessageType)
	if !ok {
		return draft{}, unprocessable("'%v' is not a valid message_type", p.MessageType)
	}
	private, ok := scalarText(p.Private)
	if !ok {
		return draft{}, unprocessable("'%v' is not a valid value for private", p.Private)
	}
	attrs, err := contentAttributes(p.ContentAttributes)
	if err != nil {
		return draft{}, err
	}
	d := draft{content: p.Content, private: railsBool(private), contentType: p.ContentType, attrs: attrs, sourceID: p.SourceID}
	return d, d.setType(typ)
}

// formDraft reads a multipart/form-data message create request, whose
// files come as attachments[].
func formDraft(form *multipart.Form) (draft, error) {
	value := func(key string) string {
		if v := form.Value[key]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if len(form.Value["attachments[]"]) > 0 {
		return draft{}, unprocessable("attachments[] must be files: a part without a filename is not one")
	}
	attrs, err := contentAttributes(json.RawMessage(value("content_attributes")))
	if err != nil {
		return draft{}, err
	}
	d := draft{
		content:     value("content"),
		private:     railsBool(value("private")),
		contentType: value("content_type"),
		attrs:       attrs,
		sourceID:    value("source_id"),
	}
	for _, fh := range form.File["attachments[]"] {
		f, err := fh.Open()
		if err != nil {
			return draft{}, err
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return draft{}, err
		}
		d.files = append(d.files, normalizeFile(Attachment{ContentType: fh.Header.Get("Content-Type"), FileName: fh.Filename, Data: data}))
	}
	return d, d.setType(value("message_type"))
}

// setType sets the message type and its sender: the contact for incoming
// messages, the token's user for outgoing ones.
func (d *draft) setType(typ string) error {
	switch typ {
	case "", "outgoing", "1":
		d.typ, d.senderType = outgoing, senderUser
	case "incoming", "0":
		d.typ, d.senderType = incoming, senderContact
	default:
		return unprocessable("'%s' is not a valid message_type", typ)
	}
	return nil
}

// contentAttributes reads content_attributes: an object, or a string
// holding one as forms send it.
func contentAttributes(raw json.RawMessage) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, unprocessable("content_attributes is invalid")
		}
		raw = []byte(s)
	}
	var attrs map[string]any
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return nil, unprocessable("content_attributes must be an object")
	}
	return attrs, nil
}

// scalarText is a JSON scalar as Rails params hold it: as text. null is
// "".
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case bool, float64:
		b, _ := json.Marshal(v)
		return string(b), true
	}
	return "", false
}

// railsBool casts a parameter to a boolean as ActiveRecord does.
func railsBool(s string) bool {
	switch s {
	case "", "0", "f", "F", "false", "FALSE", "off", "OFF":
		return false
	}
	return true
}
