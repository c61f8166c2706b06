package chatwoot

import (
	"context"
	"errors"
	"net/http"
	"strconv"
)

type CreateContactRequest struct {
	InboxID              int64          `json:"inbox_id,omitempty"`
	SourceID             string         `json:"source_id,omitempty"`
	Name                 string         `json:"name,omitempty"`
	Email                string         `json:"email,omitempty"`
	PhoneNumber          string         `json:"phone_number,omitempty"`
	Identifier           string         `json:"identifier,omitempty"`
	AvatarURL            string         `json:"avatar_url,omitempty"`
	AdditionalAttributes map[string]any `json:"additional_attributes,omitempty"`
	CustomAttributes     map[string]any `json:"custom_attributes,omitempty"`
}

// CreateContactResponse is the new contact and, when the request named an
// inbox, its contact inbox there.
type CreateContactResponse struct {
	Contact      Contact       `json:"contact"`
	ContactInbox *ContactInbox `json:"contact_inbox"`
}

// CreateContact creates a contact and, with req.InboxID, its contact inbox
// (whose source_id is req.SourceID in an API inbox). A duplicate email,
// phone number or identifier is a 422 whose Attributes name the field.
func (c *Client) CreateContact(ctx context.Context, req CreateContactRequest) (*CreateContactResponse, error) {
	var res CreateContactResponse
	path := c.accountPath("contacts")
	err := c.do(ctx, "create contact", http.MethodPost, path, c.rc.R().SetBody(req), func(body []byte) error {
		// Current versions send {"payload":{"contact":…,"contact_inbox":…}},
		// older ones {"payload":<contact>}, the spec a bare contact.
		var v struct {
			Contact      *Contact      `json:"contact"`
			ContactInbox *ContactInbox `json:"contact_inbox"`
		}
		if err := decodePayload(body, &v); err != nil {
			return err
		}
		if v.Contact != nil {
			res.Contact, res.ContactInbox = *v.Contact, v.ContactInbox
		} else if err := decodePayload(body, &res.Contact); err != nil {
			return err
		}
		if res.Contact.ID == 0 {
			return errors.New("no contact id")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if res.ContactInbox == nil && req.InboxID != 0 {
		for _, ci := range res.Contact.ContactInboxes {
			if ci.inboxID() == req.InboxID {
				res.ContactInbox = &ci
				break
			}
		}
	}
	return &res, nil
}

// SearchContacts lists, 15 a page, the contacts whose name, email, phone
// number or identifier contains q. Filter for an exact match yourself.
func (c *Client) SearchContacts(ctx context.Context, q string, page int) ([]Contact, error) {
	var contacts []Contact
	r := c.rc.R().SetQueryParam("q", q).SetQueryParam("page", pageParam(page))
	if err := c.do(ctx, "search contacts", http.MethodGet, c.accountPath("contacts/search"), r, contactList(&contacts)); err != nil {
		return nil, err
	}
	return contacts, nil
}

type filterCondition struct {
	AttributeKey   string   `json:"attribute_key"`
	FilterOperator string   `json:"filter_operator"`
	Values         []string `json:"values"`
	QueryOperator  *string  `json:"query_operator"`
}

// FilterContacts lists the contacts whose attribute (such as "phone_number"
// or "identifier") equals value.
func (c *Client) FilterContacts(ctx context.Context, attribute, value string, page int) ([]Contact, error) {
	var contacts []Contact
	body := map[string][]filterCondition{"payload": {{
		AttributeKey:   attribute,
		FilterOperator: "equal_to",
		Values:         []string{value},
	}}}
	r := c.rc.R().SetQueryParam("page", pageParam(page)).SetBody(body)
	if err := c.do(ctx, "filter contacts", http.MethodPost, c.accountPath("contacts/filter"), r, contactList(&contacts)); err != nil {
		return nil, err
	}
	return contacts, nil
}

func pageParam(page int) string {
	return strconv.Itoa(max(page, 1))
}

func contactList(contacts *[]Contact) func([]byte) error {
	return func(body []byte) error {
		return decodePayload(body, contacts)
	}
}

// CreateContactInbox opens a session for the contact in an inbox; in an API
// inbox its source_id is sourceID (a random UUID when empty).
func (c *Client) CreateContactInbox(ctx context.Context, contactID, inboxID int64, sourceID string) (*ContactInbox, error) {
	var ci ContactInbox
	body := struct {
		InboxID  int64  `json:"inbox_id"`
		SourceID string `json:"source_id,omitempty"`
	}{inboxID, sourceID}
	path := c.accountPath("contacts/%d/contact_inboxes", contactID)
	err := c.do(ctx, "create contact inbox", http.MethodPost, path, c.rc.R().SetBody(body), func(body []byte) error {
		if err := decodePayload(body, &ci); err != nil {
			return err
		}
		if ci.SourceID == "" {
			return errors.New("no source_id")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ci, nil
}

// ContactConversations lists the contact's conversations, newest first (at
// most 20).
func (c *Client) ContactConversations(ctx context.Context, contactID int64) ([]Conversation, error) {
	var convs []Conversation
	path := c.accountPath("contacts/%d/conversations", contactID)
	err := c.do(ctx, "list contact conversations", http.MethodGet, path, c.rc.R(), func(body []byte) error {
		return decodePayload(body, &convs)
	})
	if err != nil {
		return nil, err
	}
	return convs, nil
}
