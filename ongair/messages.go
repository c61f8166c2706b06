package ongair

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// SendRequest is a text to one customer. WhatsApp customers are named by
// PhoneNumber (digits with the country code, "254722200200"); customers on
// other channels by ExternalID, their user id there. The second Ongair
// document names the customer by both ExternalID and ExternalContactID, so
// the client sends every one that is set.
type SendRequest struct {
	PhoneNumber       string
	ExternalID        string
	ExternalContactID string
	Text              string
	// Thread attaches the message to the customer's open conversation in
	// Ongair's dashboard.
	Thread bool
}

// SendImageRequest is an image, by its public URL, to one customer.
type SendImageRequest struct {
	PhoneNumber       string
	ExternalID        string
	ExternalContactID string
	ImageURL          string
	ContentType       string // image/jpeg, image/png …
	Caption           string
	Thread            bool
}

// SendResponse is Ongair's answer to a send. ID is the message's id, which
// Ongair's DeliveryReceipt and MessageSent notifications carry.
type SendResponse struct {
	Sent           bool
	ID             ID
	ConversationID ID
}

// ID is an Ongair id. Ongair sends ids as numbers or as strings; both decode
// to the decimal string.
type ID string

func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*id = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return errors.New("id is neither a number nor a string")
		}
		*id = ID(n.String())
	}
	return nil
}

// flexBool is a boolean that may arrive as true or "true".
type flexBool bool

func (v *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
	}
	p, err := strconv.ParseBool(string(b))
	if err != nil {
		return fmt.Errorf("%.20q is not a boolean", b)
	}
	*v = flexBool(p)
	return nil
}

// Send sends a text to one customer.
func (c *Client) Send(ctx context.Context, req SendRequest) (*SendResponse, error) {
	form := recipient(req.PhoneNumber, req.ExternalID, req.ExternalContactID, req.Thread)
	form.Set("text", req.Text)
	return c.send(ctx, "send message", "/api/v1/base/send", form)
}

// SendImage sends an image to one customer, with an optional caption.
func (c *Client) SendImage(ctx context.Context, req SendImageRequest) (*SendResponse, error) {
	form := recipient(req.PhoneNumber, req.ExternalID, req.ExternalContactID, req.Thread)
	form.Set("image", req.ImageURL)
	form.Set("content_type", req.ContentType)
	if req.Caption != "" {
		// The first document calls the caption "Caption", the second "text".
		form.Set("caption", req.Caption)
		form.Set("text", req.Caption)
	}
	return c.send(ctx, "send image", "/api/v1/base/send_image", form)
}

// SendGroupMessage sends a text to a group the account belongs to. Ongair
// sends no receipts for group messages.
func (c *Client) SendGroupMessage(ctx context.Context, groupID, text string) (*SendResponse, error) {
	form := url.Values{"text": {text}}
	return c.send(ctx, "send group message", "/api/v1/base/groups/"+url.PathEscape(groupID)+"/send_message", form)
}

func recipient(phone, externalID, externalContactID string, thread bool) url.Values {
	form := url.Values{}
	for k, v := range map[string]string{"phone_number": phone, "external_id": externalID, "external_contact_id": externalContactID} {
		if v != "" {
			form.Set(k, v)
		}
	}
	if thread {
		form.Set("thread", "true")
	}
	return form
}

func (c *Client) send(ctx context.Context, op, path string, form url.Values) (*SendResponse, error) {
	var res *SendResponse
	err := c.do(ctx, op, path, form, func(body []byte) (err error) {
		res, err = decodeSendResponse(body)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// decodeSendResponse reads a 2xx answer to a send, which must say the
// message was sent.
func decodeSendResponse(body []byte) (*SendResponse, error) {
	var v struct {
		Sent           *flexBool `json:"sent"`
		ID             ID        `json:"id"`
		ConversationID ID        `json:"conversation_id"`
		Error          string    `json:"error"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	switch {
	case v.Sent == nil:
		return nil, errors.New(`no "sent" in the answer`)
	case !bool(*v.Sent) && v.Error != "":
		return nil, fmt.Errorf("not sent: %s", v.Error)
	case !bool(*v.Sent):
		return nil, errors.New("Ongair answered that the message was not sent")
	}
	return &SendResponse{Sent: true, ID: v.ID, ConversationID: v.ConversationID}, nil
}
