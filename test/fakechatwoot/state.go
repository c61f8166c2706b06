package fakechatwoot

import (
	"bytes"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

const (
	incoming = "incoming"
	outgoing = "outgoing"

	senderUser    = "User"
	senderBot     = "AgentBot"
	senderContact = "Contact"

	maxContent     = 150_000
	maxAttachments = 15
)

var (
	conversationStatuses = []string{"open", "resolved", "pending", "snoozed"}
	messageStatuses      = []string{"sent", "delivered", "read", "failed"}
	contentTypes         = []string{"text", "input_text", "input_textarea", "input_email", "input_select",
		"cards", "form", "article", "incoming_email", "input_csat", "integrations", "sticker"}

	e164Pattern  = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
)

type contact struct {
	Contact
	additional, custom map[string]any
}

type contactInbox struct {
	id, contactID int64
	sourceID      string
}

type conversation struct {
	Conversation
	contactInboxID     int64
	additional, custom map[string]any
	createdAt          time.Time
}

type message struct {
	Message     // Attachments stays nil: see files
	contentType string
	attrs       map[string]any
	senderID    int64
	createdAt   time.Time
	files       []*attachment
}

type attachment struct {
	id int64
	Attachment
}

// public is a copy of m that shares nothing with it.
func (m *message) public() Message {
	p := m.Message
	for _, f := range m.files {
		a := f.Attachment
		a.Data = bytes.Clone(a.Data)
		p.Attachments = append(p.Attachments, a)
	}
	return p
}

func (s *Server) contact(id int64) *contact {
	for _, c := range s.contacts {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (s *Server) conversation(id int64) *conversation {
	for _, c := range s.conversations {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (s *Server) contactInboxBySource(sourceID string) *contactInbox {
	for _, ci := range s.contactInboxes {
		if ci.sourceID == sourceID {
			return ci
		}
	}
	return nil
}

func (s *Server) contactInboxesOf(contactID int64) []*contactInbox {
	var out []*contactInbox
	for _, ci := range s.contactInboxes {
		if ci.contactID == contactID {
			out = append(out, ci)
		}
	}
	return out
}

// validation gathers a record's errors as Rails does.
type validation struct {
	messages, attributes []string
}

func (v *validation) add(attribute, message string) {
	v.messages = append(v.messages, message)
	if !slices.Contains(v.attributes, attribute) {
		v.attributes = append(v.attributes, attribute)
	}
}

// err is the 422 Chatwoot's contacts controller answers for an invalid
// record.
func (v *validation) err() error {
	if len(v.messages) == 0 {
		return nil
	}
	return &apiError{status: http.StatusUnprocessableEntity, body: obj{
		"message":    strings.Join(v.messages, ", "),
		"attributes": v.attributes,
	}}
}

// newContact validates c as Chatwoot's Contact model does and returns it
// unsaved.
func (s *Server) newContact(c Contact, additional, custom map[string]any) (*contact, error) {
	c.ID = 0
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	taken := func(same func(*contact) bool) bool { return slices.ContainsFunc(s.contacts, same) }
	var v validation
	if c.Email != "" {
		if taken(func(o *contact) bool { return o.Email == c.Email }) {
			v.add("email", "Email has already been taken")
		}
		if !emailPattern.MatchString(c.Email) {
			v.add("email", "Email Invalid email")
		}
	}
	if c.Identifier != "" && taken(func(o *contact) bool { return o.Identifier == c.Identifier }) {
		v.add("identifier", "Identifier has already been taken")
	}
	if c.PhoneNumber != "" {
		if taken(func(o *contact) bool { return o.PhoneNumber == c.PhoneNumber }) {
			v.add("phone_number", "Phone number has already been taken")
		}
		if !e164Pattern.MatchString(c.PhoneNumber) {
			v.add("phone_number", "Phone number should be in e164 format")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return &contact{Contact: c, additional: additional, custom: custom}, nil
}

func (s *Server) insertContact(c *contact) {
	s.ids.contact++
	c.ID = s.ids.contact
	s.contacts = append(s.contacts, c)
}

// contactInboxFor finds or makes the contact's contact inbox with sourceID
// (a random UUID when empty), as Chatwoot's ContactInboxBuilder does. ok is
// false when another contact has sourceID in the inbox: a unique-index
// violation Chatwoot does not resolve for API inboxes.
func (s *Server) contactInboxFor(contactID int64, sourceID string) (ci *contactInbox, ok bool) {
	if sourceID == "" {
		sourceID = uuid.NewString()
	}
	if ci := s.contactInboxBySource(sourceID); ci != nil {
		return ci, ci.contactID == contactID
	}
	s.ids.contactInbox++
	ci = &contactInbox{id: s.ids.contactInbox, contactID: contactID, sourceID: sourceID}
	s.contactInboxes = append(s.contactInboxes, ci)
	return ci, true
}

// errSourceInUse is the unrescued ActiveRecord::RecordNotUnique.
var errSourceInUse = errorAnswer(http.StatusInternalServerError,
	"ActiveRecord::RecordNotUnique: the source_id is another contact's in this inbox")

func (s *Server) addConversation(ci *contactInbox, status string, additional, custom map[string]any) *conversation {
	s.ids.conversation++
	cv := &conversation{
		Conversation: Conversation{
			ID:        s.ids.conversation,
			InboxID:   s.cfg.InboxID,
			ContactID: ci.contactID,
			SourceID:  ci.sourceID,
			Status:    status,
		},
		contactInboxID: ci.id,
		additional:     additional,
		custom:         custom,
		createdAt:      time.Now(),
	}
	s.conversations = append(s.conversations, cv)
	s.queueHook(s.conversationHook("conversation_created", cv, nil))
	return cv
}

// setStatus changes a conversation's status; a change fires the webhooks
// Chatwoot fires for it.
func (s *Server) setStatus(cv *conversation, status string) {
	if cv.Status == status {
		return
	}
	changed := []obj{{"status": obj{"previous_value": cv.Status, "current_value": status}}}
	cv.Status = status
	s.queueHook(s.conversationHook("conversation_status_changed", cv, changed))
	s.queueHook(s.conversationHook("conversation_updated", cv, changed))
}

// draft is a message to create.
type draft struct {
	content     string
	typ         string
	private     bool
	contentType string
	attrs       map[string]any
	sourceID    string
	senderType  string
	files       []Attachment
}

func (d *draft) validate() error {
	switch n := utf8.RuneCountInString(d.content); {
	case strings.TrimSpace(d.content) == "" && len(d.files) == 0:
		return unprocessable("Validation failed: Content can't be blank")
	case n > maxContent:
		return unprocessable("Validation failed: Content is too long (maximum is %d characters)", maxContent)
	case len(d.files) > maxAttachments:
		return unprocessable("Validation failed: Attachments exceed the limit of %d", maxAttachments)
	}
	if d.contentType == "" {
		d.contentType = "text"
	}
	if !slices.Contains(contentTypes, d.contentType) {
		return unprocessable("'%s' is not a valid content_type", d.contentType)
	}
	return nil
}

// addMessage creates a message and fires message_created. An incoming
// message reopens a resolved or snoozed conversation, as in Chatwoot.
func (s *Server) addMessage(cv *conversation, d draft) (*message, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	s.ids.message++
	m := &message{
		Message: Message{
			ID:             s.ids.message,
			ConversationID: cv.ID,
			Content:        d.content,
			MessageType:    d.typ,
			Private:        d.private,
			SourceID:       d.sourceID,
			Status:         "sent",
			SenderType:     d.senderType,
		},
		contentType: d.contentType,
		attrs:       d.attrs,
		createdAt:   time.Now(),
	}
	switch d.senderType {
	case senderUser:
		m.senderID = agentID
	case senderBot:
		m.senderID = botID
	case senderContact:
		m.senderID = cv.ContactID
	}
	for _, f := range d.files {
		s.ids.attachment++
		a := &attachment{id: s.ids.attachment, Attachment: f}
		m.files = append(m.files, a)
		s.blobs[a.id] = a
	}
	s.messages[cv.ID] = append(s.messages[cv.ID], m)
	s.queueMessageHook(s.messageHook("message_created", m), m)
	if d.typ == incoming && (cv.Status == "resolved" || cv.Status == "snoozed") {
		s.setStatus(cv, "open")
	}
	return m, nil
}

// normalizeFile fills in what Chatwoot derives from an upload: the content
// type when the upload has none, and the file type from the content type.
func normalizeFile(a Attachment) Attachment {
	a.Data = bytes.Clone(a.Data)
	if a.ContentType == "" {
		a.ContentType = http.DetectContentType(a.Data)
	}
	if a.FileType == "" {
		a.FileType = fileType(a.ContentType)
	}
	if a.FileName == "" {
		a.FileName = "file"
	}
	return a
}

func fileType(contentType string) string {
	for _, t := range []string{"image", "audio", "video"} {
		if strings.HasPrefix(contentType, t+"/") {
			return t
		}
	}
	return "file"
}

// searchContacts matches as Chatwoot's contact search does: q without
// surrounding blanks, anywhere in the name, email or phone number ignoring
// case, or in the identifier (case sensitive: Chatwoot uses LIKE there).
func (s *Server) searchContacts(q string) []*contact {
	lower := strings.ToLower(q)
	var out []*contact
	for _, c := range s.contacts {
		if strings.Contains(strings.ToLower(c.Name), lower) ||
			strings.Contains(c.Email, lower) ||
			strings.Contains(strings.ToLower(c.PhoneNumber), lower) ||
			strings.Contains(c.Identifier, q) {
			out = append(out, c)
		}
	}
	return out
}

const pageSize = 15

func page(list []*contact, n int) []*contact {
	start := (n - 1) * pageSize
	if start >= len(list) {
		return nil
	}
	return list[start:min(start+pageSize, len(list))]
}
