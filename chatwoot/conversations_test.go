package chatwoot

import (
	"context"
	"testing"
)

const conversationJSON = `{"id":10,"uuid":"c0ffee","account_id":7,"inbox_id":3,"status":"open","can_reply":true,"labels":[],"muted":false,
	"contact_inbox":{"id":77,"contact_id":42,"inbox_id":3,"source_id":"ongair:254700000001","hmac_verified":false,"pubsub_token":"p"},
	"meta":{"sender":{"id":42,"name":"Jane","phone_number":"+254700000001","identifier":"ongair:254700000001","type":"contact","custom_attributes":{}},
	        "channel":"Channel::Api","assignee":{"id":1,"name":"Agent","email":"agent@example.com","type":"user","available_name":"Agent"},"hmac_verified":false},
	"messages":[{"id":1,"message_type":0,"created_at":1700000000}],"created_at":1700000000,"timestamp":1700000000,"unread_count":0}`

var wantConversation = Conversation{
	ID: 10, AccountID: 7, InboxID: 3, Status: "open",
	ContactInbox: &ContactInbox{SourceID: "ongair:254700000001", InboxID: 3, ContactID: 42},
	Meta: ConversationMeta{
		Sender:   &Sender{ID: 42, Name: "Jane", Type: "contact", PhoneNumber: "+254700000001", Identifier: "ongair:254700000001"},
		Assignee: &Sender{ID: 1, Name: "Agent", Email: "agent@example.com", Type: "user"},
	},
}

func TestCreateConversation(t *testing.T) {
	req := CreateConversationRequest{
		SourceID:         "ongair:254700000001",
		InboxID:          3,
		ContactID:        42,
		Status:           "open",
		CustomAttributes: map[string]any{"chat": "254700000001"},
	}
	call := func(ctx context.Context, c *Client) (any, error) { return c.CreateConversation(ctx, req) }
	const path = "/api/v1/accounts/7/conversations"
	const body = `{"source_id":"ongair:254700000001","inbox_id":3,"contact_id":42,"status":"open","custom_attributes":{"chat":"254700000001"}}`
	runAPICases(t, []apiCase{
		{name: "unwrapped", call: call, method: "POST", path: path, body: body, resp: conversationJSON, want: &wantConversation},
		{name: "wrapped", call: call, method: "POST", path: path, body: body, resp: `{"payload":` + conversationJSON + `}`, want: &wantConversation},
		{name: "only ids (swagger)", call: call, method: "POST", path: path, body: body, resp: `{"id":10,"account_id":7,"inbox_id":3}`,
			want: &Conversation{ID: 10, AccountID: 7, InboxID: 3}},
		{name: "no id", call: call, method: "POST", path: path, body: body, resp: `{"account_id":7}`, wantErr: "no conversation id"},
	})
}

func TestGetConversation(t *testing.T) {
	call := func(ctx context.Context, c *Client) (any, error) { return c.GetConversation(ctx, 10) }
	runAPICases(t, []apiCase{
		{name: "found", call: call, method: "GET", path: "/api/v1/accounts/7/conversations/10", resp: conversationJSON, want: &wantConversation},
		{name: "null meta and contact inbox", call: call, method: "GET", path: "/api/v1/accounts/7/conversations/10",
			resp: `{"id":"10","inbox_id":3.0,"status":"pending","meta":null,"contact_inbox":null}`, want: &Conversation{ID: 10, InboxID: 3, Status: "pending"}},
	})
}

func TestToggleStatus(t *testing.T) {
	toggle := func(status string) func(context.Context, *Client) (any, error) {
		return func(ctx context.Context, c *Client) (any, error) { return c.ToggleStatus(ctx, 10, status) }
	}
	const path = "/api/v1/accounts/7/conversations/10/toggle_status"
	runAPICases(t, []apiCase{
		{name: "resolved", call: toggle("resolved"), method: "POST", path: path, body: `{"status":"resolved"}`,
			resp: `{"meta":{},"payload":{"success":true,"conversation_id":10,"current_status":"resolved","snoozed_until":null}}`, want: "resolved"},
		{name: "unchanged", call: toggle("open"), method: "POST", path: path, body: `{"status":"open"}`,
			resp: `{"meta":{},"payload":{"success":false,"conversation_id":10,"current_status":"pending"}}`, want: "pending"},
		{name: "no current status", call: toggle("open"), method: "POST", path: path, body: `{"status":"open"}`,
			resp: `{"payload":{"success":true}}`, wantErr: "no current_status"},
	})
}
