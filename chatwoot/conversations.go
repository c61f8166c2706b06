package chatwoot

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// CreateConversationRequest opens a conversation. Without SourceID the
// helpdesk makes a new contact inbox every time.
type CreateConversationRequest struct {
	SourceID             string         `json:"source_id,omitempty"`
	InboxID              int64          `json:"inbox_id,omitempty"`
	ContactID            int64          `json:"contact_id,omitempty"`
	Status               string         `json:"status,omitempty"`
	AdditionalAttributes map[string]any `json:"additional_attributes,omitempty"`
	CustomAttributes     map[string]any `json:"custom_attributes,omitempty"`
}

func (c *Client) CreateConversation(ctx context.Context, req CreateConversationRequest) (*Conversation, error) {
	return c.conversation(ctx, "create conversation", http.MethodPost, c.accountPath("conversations"), req)
}

// GetConversation fetches a conversation by its display id.
func (c *Client) GetConversation(ctx context.Context, id int64) (*Conversation, error) {
	return c.conversation(ctx, "get conversation", http.MethodGet, c.accountPath("conversations/%d", id), nil)
}

func (c *Client) conversation(ctx context.Context, op, method, path string, body any) (*Conversation, error) {
	var conv Conversation
	r := c.rc.R()
	if body != nil {
		r.SetBody(body)
	}
	err := c.do(ctx, op, method, path, r, func(body []byte) error {
		if err := decodePayload(body, &conv); err != nil {
			return err
		}
		if conv.ID == 0 {
			return errors.New("no conversation id")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &conv, nil
}

// ToggleStatus sets a conversation's status (open, resolved, pending or
// snoozed) and returns the status it has afterwards.
func (c *Client) ToggleStatus(ctx context.Context, conversationID int64, status string) (string, error) {
	var res struct {
		Payload struct {
			CurrentStatus string `json:"current_status"`
		} `json:"payload"`
	}
	body := map[string]string{"status": status}
	path := c.accountPath("conversations/%d/toggle_status", conversationID)
	err := c.do(ctx, "toggle status", http.MethodPost, path, c.rc.R().SetBody(body), func(body []byte) error {
		if err := json.Unmarshal(body, &res); err != nil {
			return err
		}
		if res.Payload.CurrentStatus == "" {
			return errors.New("no current_status")
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return res.Payload.CurrentStatus, nil
}
