package chatwoot

import (
	"context"
	"testing"
)

const (
	apiInbox        = `{"id":3,"name":"Ongair","channel_type":"Channel::Api","avatar_url":"","provider":null}`
	otherInbox      = `{"id":9,"name":"Web","channel_type":"Channel::WebWidget"}`
	contactFields   = `"id":42,"name":"Jane","email":null,"phone_number":"+254700000001","identifier":"ongair:254700000001","thumbnail":"","availability_status":"offline","additional_attributes":{"city":""},"custom_attributes":{"ongair_account":"acc"},"last_activity_at":null,"created_at":1700000000`
	contactInboxes  = `"contact_inboxes":[{"source_id":"web-1","inbox":` + otherInbox + `},{"source_id":"ongair:254700000001","inbox":` + apiInbox + `}]`
	contactJSON     = `{` + contactFields + `,` + contactInboxes + `}`
	apiContactInbox = `{"source_id":"ongair:254700000001","inbox":` + apiInbox + `}`
)

var (
	wantAPIContactInbox = ContactInbox{SourceID: "ongair:254700000001", Inbox: Inbox{ID: 3, Name: "Ongair", ChannelType: "Channel::Api"}}
	wantContact         = Contact{
		ID:                   42,
		Name:                 "Jane",
		PhoneNumber:          "+254700000001",
		Identifier:           "ongair:254700000001",
		AdditionalAttributes: map[string]any{"city": ""},
		CustomAttributes:     map[string]any{"ongair_account": "acc"},
		ContactInboxes: []ContactInbox{
			{SourceID: "web-1", Inbox: Inbox{ID: 9, Name: "Web", ChannelType: "Channel::WebWidget"}},
			wantAPIContactInbox,
		},
	}
)

func TestCreateContact(t *testing.T) {
	req := CreateContactRequest{
		InboxID:          3,
		SourceID:         "ongair:254700000001",
		Name:             "Jane",
		PhoneNumber:      "+254700000001",
		Identifier:       "ongair:254700000001",
		CustomAttributes: map[string]any{"ongair_account": "acc"},
	}
	call := func(ctx context.Context, c *Client) (any, error) { return c.CreateContact(ctx, req) }
	reqJSON := `{"inbox_id":3,"source_id":"ongair:254700000001","name":"Jane","phone_number":"+254700000001","identifier":"ongair:254700000001","custom_attributes":{"ongair_account":"acc"}}`
	withInbox := &CreateContactResponse{Contact: wantContact, ContactInbox: &wantAPIContactInbox}
	base := apiCase{call: call, method: "POST", path: "/api/v1/accounts/7/contacts", body: reqJSON}
	cases := []apiCase{
		{name: "wrapped with contact_inbox", resp: `{"payload":{"contact":` + contactJSON + `,"contact_inbox":` + apiContactInbox + `}}`, want: withInbox},
		{name: "wrapped, contact_inbox null", resp: `{"payload":{"contact":` + contactJSON + `,"contact_inbox":null}}`, want: withInbox},
		{name: "older payload is the contact", resp: `{"payload":` + contactJSON + `}`, want: withInbox},
		{name: "bare contact (swagger)", resp: contactJSON, want: withInbox},
		{name: "string ids", resp: `{"id":"42","name":"Jane","phone_number":"+254700000001","identifier":"ongair:254700000001","additional_attributes":{"city":""},"custom_attributes":{"ongair_account":"acc"},` + contactInboxes + `}`, want: withInbox},
		{name: "no contact inbox for the inbox", resp: `{"payload":{"contact":{"id":42,"contact_inboxes":[{"source_id":"web-1","inbox":` + otherInbox + `}]}}}`,
			want: &CreateContactResponse{Contact: Contact{ID: 42, ContactInboxes: []ContactInbox{{SourceID: "web-1", Inbox: Inbox{ID: 9, Name: "Web", ChannelType: "Channel::WebWidget"}}}}}},
		{name: "no id", resp: `{"payload":{"contact":{"name":"Jane"}}}`, wantErr: "no contact id"},
	}
	for i := range cases {
		cases[i].call, cases[i].method, cases[i].path, cases[i].body = base.call, base.method, base.path, base.body
	}
	cases = append(cases, apiCase{
		name: "no inbox, minimal request",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateContact(ctx, CreateContactRequest{Name: "Bob"})
		},
		method: "POST", path: "/api/v1/accounts/7/contacts", body: `{"name":"Bob"}`,
		resp: `{"payload":{"contact":{"id":43,"name":"Bob","contact_inboxes":[]},"contact_inbox":{}}}`,
		want: &CreateContactResponse{Contact: Contact{ID: 43, Name: "Bob", ContactInboxes: []ContactInbox{}}, ContactInbox: &ContactInbox{}},
	})
	runAPICases(t, cases)
}

func TestSearchContacts(t *testing.T) {
	list := `{"meta":{"count":1,"current_page":"1"},"payload":[` + contactJSON + `]}`
	search := func(q string, page int) func(context.Context, *Client) (any, error) {
		return func(ctx context.Context, c *Client) (any, error) { return c.SearchContacts(ctx, q, page) }
	}
	runAPICases(t, []apiCase{
		{name: "plus is encoded", call: search("+254700000001", 2), resp: list, method: "GET", path: "/api/v1/accounts/7/contacts/search",
			rawQuery: "page=2&q=%2B254700000001", want: []Contact{wantContact}},
		{name: "page below 1", call: search("Jane Doe&x=1", 0), resp: list, method: "GET", path: "/api/v1/accounts/7/contacts/search",
			rawQuery: "page=1&q=Jane+Doe%26x%3D1", want: []Contact{wantContact}},
		{name: "empty", call: search("nobody", 1), resp: `{"meta":{"count":0,"current_page":1},"payload":[]}`, rawQuery: "page=1&q=nobody", want: []Contact{}},
		{name: "bare array", call: search("x", 1), resp: `[` + contactJSON + `]`, rawQuery: "page=1&q=x", want: []Contact{wantContact}},
		{name: "no payload", call: search("x", 1), resp: `{"meta":{}}`, rawQuery: "page=1&q=x", wantErr: "invalid response"},
	})
}

func TestFilterContacts(t *testing.T) {
	filter := func(attr, value string, page int) func(context.Context, *Client) (any, error) {
		return func(ctx context.Context, c *Client) (any, error) { return c.FilterContacts(ctx, attr, value, page) }
	}
	runAPICases(t, []apiCase{
		{name: "phone number", call: filter("phone_number", "+254700000001", -3),
			method: "POST", path: "/api/v1/accounts/7/contacts/filter", rawQuery: "page=1",
			body: `{"payload":[{"attribute_key":"phone_number","filter_operator":"equal_to","values":["+254700000001"],"query_operator":null}]}`,
			resp: `{"meta":{"count":1,"current_page":1},"payload":[` + contactJSON + `]}`, want: []Contact{wantContact}},
		{name: "identifier, page 3", call: filter("identifier", "g:1@g.us", 3),
			method: "POST", path: "/api/v1/accounts/7/contacts/filter", rawQuery: "page=3",
			body: `{"payload":[{"attribute_key":"identifier","filter_operator":"equal_to","values":["g:1@g.us"],"query_operator":null}]}`,
			resp: `{"meta":{"count":0,"current_page":3},"payload":[]}`, want: []Contact{}},
	})
}

func TestCreateContactInbox(t *testing.T) {
	create := func(source string) func(context.Context, *Client) (any, error) {
		return func(ctx context.Context, c *Client) (any, error) { return c.CreateContactInbox(ctx, 42, 3, source) }
	}
	const path = "/api/v1/accounts/7/contacts/42/contact_inboxes"
	const body = `{"inbox_id":3,"source_id":"ongair:254700000001"}`
	runAPICases(t, []apiCase{
		{name: "unwrapped", call: create("ongair:254700000001"), method: "POST", path: path, body: body, resp: apiContactInbox, want: &wantAPIContactInbox},
		{name: "wrapped", call: create("ongair:254700000001"), method: "POST", path: path, body: body, resp: `{"payload":` + apiContactInbox + `}`, want: &wantAPIContactInbox},
		{name: "no source id given", call: create(""), method: "POST", path: path, body: `{"inbox_id":3}`,
			resp: `{"id":5,"contact_id":42,"inbox_id":3,"source_id":"1d2e-uuid"}`, want: &ContactInbox{SourceID: "1d2e-uuid", InboxID: 3, ContactID: 42}},
		{name: "no source id returned", call: create("x"), method: "POST", path: path, body: `{"inbox_id":3,"source_id":"x"}`, resp: `{"inbox":` + apiInbox + `}`, wantErr: "no source_id"},
	})
}

func TestContactConversations(t *testing.T) {
	call := func(ctx context.Context, c *Client) (any, error) { return c.ContactConversations(ctx, 42) }
	const path = "/api/v1/accounts/7/contacts/42/conversations"
	runAPICases(t, []apiCase{
		{name: "two", call: call, method: "GET", path: path, resp: `{"payload":[` + conversationJSON + `,{"id":11,"account_id":7,"inbox_id":9,"status":"resolved","meta":{"sender":{"id":42},"assignee":null}}]}`,
			want: []Conversation{wantConversation, {ID: 11, AccountID: 7, InboxID: 9, Status: "resolved", Meta: ConversationMeta{Sender: &Sender{ID: 42}}}}},
		{name: "none", call: call, method: "GET", path: path, resp: `{"payload":[]}`, want: []Conversation{}},
	})
}
