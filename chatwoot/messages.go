package chatwoot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-resty/resty/v2"
)

// maxAttachments is how many files one message may carry.
const maxAttachments = 15

// Upload is a file to attach to a message. An empty ContentType is sniffed
// from Data.
type Upload struct {
	FileName    string
	ContentType string
	Data        []byte
}

// CreateMessageRequest is a message to post. MessageType is Incoming (API
// inboxes only) or Outgoing; empty means outgoing.
type CreateMessageRequest struct {
	Content           string         `json:"content"`
	MessageType       MessageType    `json:"message_type,omitempty"`
	Private           bool           `json:"private"`
	ContentType       string         `json:"content_type,omitempty"`
	ContentAttributes map[string]any `json:"content_attributes,omitempty"`
	SourceID          string         `json:"source_id,omitempty"`
	Attachments       []Upload       `json:"-"`
}

// CreateMessage posts a message in a conversation: as JSON, or as
// multipart/form-data when it has attachments.
func (c *Client) CreateMessage(ctx context.Context, conversationID int64, req CreateMessageRequest) (*Message, error) {
	const op = "create message"
	if n := len(req.Attachments); n > maxAttachments {
		return nil, fmt.Errorf("chatwoot %s: %d attachments, at most %d allowed", op, n, maxAttachments)
	}
	r := c.rc.R()
	if len(req.Attachments) == 0 {
		r.SetBody(req)
	} else {
		fields, err := multipartFields(req)
		if err != nil {
			return nil, fmt.Errorf("chatwoot %s: %w", op, err)
		}
		r.SetMultipartFields(fields...)
	}
	var msg Message
	path := c.accountPath("conversations/%d/messages", conversationID)
	err := c.do(ctx, op, http.MethodPost, path, r, func(body []byte) error {
		if err := decodePayload(body, &msg); err != nil {
			return err
		}
		if msg.ID == 0 {
			return errors.New("no message id")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &msg, nil
}

func multipartFields(req CreateMessageRequest) ([]*resty.MultipartField, error) {
	var fields []*resty.MultipartField
	add := func(name, value string) {
		fields = append(fields, &resty.MultipartField{Param: name, Reader: bytes.NewReader([]byte(value))})
	}
	add("content", req.Content)
	if req.MessageType != "" {
		add("message_type", string(req.MessageType))
	}
	add("private", strconv.FormatBool(req.Private))
	if req.ContentType != "" {
		add("content_type", req.ContentType)
	}
	if req.SourceID != "" {
		add("source_id", req.SourceID)
	}
	if len(req.ContentAttributes) > 0 {
		attrs, err := json.Marshal(req.ContentAttributes)
		if err != nil {
			return nil, fmt.Errorf("content_attributes: %w", err)
		}
		add("content_attributes", string(attrs))
	}
	for i, u := range req.Attachments {
		name := u.FileName
		if name == "" {
			// Without a filename Rails takes the part for a plain string.
			name = "attachment-" + strconv.Itoa(i+1)
		}
		ctype := u.ContentType
		if ctype == "" {
			ctype = http.DetectContentType(u.Data)
		}
		fields = append(fields, &resty.MultipartField{
			Param:       "attachments[]",
			FileName:    name,
			ContentType: ctype,
			Reader:      bytes.NewReader(u.Data),
		})
	}
	return fields, nil
}

// UpdateMessageStatus sets the delivery status (sent, delivered, read or
// failed) of a message in an API inbox; externalError explains a failure.
// It needs Chatwoot 4.2 or later.
func (c *Client) UpdateMessageStatus(ctx context.Context, conversationID, messageID int64, status, externalError string) error {
	body := struct {
		Status        string `json:"status"`
		ExternalError string `json:"external_error,omitempty"`
	}{status, externalError}
	path := c.accountPath("conversations/%d/messages/%d", conversationID, messageID)
	return c.do(ctx, "update message status", http.MethodPatch, path, c.rc.R().SetBody(body), nil)
}
