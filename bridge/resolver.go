package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ongair-bridge/ongair-bridge/chatwoot"
)

// Resolver finds or creates a chat's helpdesk contact, its contact inbox and
// its open conversation. The ids are cached in Redis (ob:chat:{chat}); the
// helpdesk stays the source of truth, so a lost cache only costs lookups.
//
// Callers work on one chat at a time (the mailbox sees to that), so the
// resolver need not guard against itself; it still copes with a contact made
// meanwhile by someone else.
type Resolver struct {
	cw      *chatwoot.Client
	rdb     redis.UniversalClient
	inboxID int64
}

const (
	cacheTTL          = 30 * 24 * time.Hour
	searchPages       = 3
	fieldContact      = "contact"
	fieldConversation = "conversation"
)

func chatCacheKey(chat string) string { return "ob:chat:" + chat }

// Conversation returns the chat's open conversation in the inbox, creating
// the contact and the conversation as needed.
func (r *Resolver) Conversation(ctx context.Context, chat Chat) (int64, error) {
	ids, err := r.cached(ctx, chat)
	if err != nil {
		return 0, err
	}
	if ids[fieldConversation] != 0 {
		return ids[fieldConversation], nil
	}
	contactID := ids[fieldContact]
	if contactID == 0 {
		if contactID, err = r.contact(ctx, chat); err != nil {
			return 0, err
		}
	}
	conv, err := r.openConversation(ctx, contactID)
	if chatwoot.IsNotFound(err) {
		// The cached contact was deleted in the helpdesk.
		if contactID, err = r.contact(ctx, chat); err != nil {
			return 0, err
		}
		conv, err = r.openConversation(ctx, contactID)
	}
	if err != nil {
		return 0, err
	}
	if conv == 0 {
		c, err := r.cw.CreateConversation(ctx, chatwoot.CreateConversationRequest{
			SourceID:  chat.SourceID(),
			InboxID:   r.inboxID,
			ContactID: contactID,
			Status:    "open",
		})
		if err != nil {
			return 0, err
		}
		conv = c.ID
	}
	return conv, r.remember(ctx, chat, contactID, conv)
}

// Current returns the chat's conversation in the inbox whatever its status
// (the cached one, else the newest), or 0 when the chat has none. It creates
// nothing.
func (r *Resolver) Current(ctx context.Context, chat Chat) (int64, error) {
	ids, err := r.cached(ctx, chat)
	if err != nil || ids[fieldConversation] != 0 {
		return ids[fieldConversation], err
	}
	contactID := ids[fieldContact]
	if contactID == 0 {
		c, err := r.find(ctx, chat)
		if err != nil || c == nil {
			return 0, err
		}
		contactID = c.ID
	}
	convs, err := r.cw.ContactConversations(ctx, contactID)
	if chatwoot.IsNotFound(err) {
		return 0, r.Forget(ctx, chat, 0)
	}
	if err != nil {
		return 0, err
	}
	for _, c := range convs {
		if c.InboxID == r.inboxID {
			return c.ID, nil
		}
	}
	return 0, nil
}

// Remember caches conv as the chat's open conversation.
func (r *Resolver) Remember(ctx context.Context, chat Chat, conv int64) error {
	return r.remember(ctx, chat, 0, conv)
}

// Forget drops the cached conversation if it is conv (any when conv is 0),
// after it was resolved or deleted.
func (r *Resolver) Forget(ctx context.Context, chat Chat, conv int64) error {
	key := chatCacheKey(chat.Key())
	if conv != 0 {
		cur, err := r.rdb.HGet(ctx, key, fieldConversation).Int64()
		if errors.Is(err, redis.Nil) || (err == nil && cur != conv) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	if conv == 0 {
		return r.rdb.Del(ctx, key).Err()
	}
	return r.rdb.HDel(ctx, key, fieldConversation).Err()
}

func (r *Resolver) cached(ctx context.Context, chat Chat) (map[string]int64, error) {
	vals, err := r.rdb.HGetAll(ctx, chatCacheKey(chat.Key())).Result()
	if err != nil {
		return nil, fmt.Errorf("read chat cache: %w", err)
	}
	ids := make(map[string]int64, 2)
	for k, v := range vals {
		ids[k], _ = strconv.ParseInt(v, 10, 64)
	}
	return ids, nil
}

func (r *Resolver) remember(ctx context.Context, chat Chat, contactID, conv int64) error {
	key := chatCacheKey(chat.Key())
	vals := map[string]any{}
	if contactID != 0 {
		vals[fieldContact] = contactID
	}
	if conv != 0 {
		vals[fieldConversation] = conv
	}
	pipe := r.rdb.TxPipeline()
	pipe.HSet(ctx, key, vals)
	pipe.Expire(ctx, key, cacheTTL)
	_, err := pipe.Exec(ctx)
	return err
}

// openConversation is the contact's newest unresolved conversation in the
// inbox, or 0.
func (r *Resolver) openConversation(ctx context.Context, contactID int64) (int64, error) {
	convs, err := r.cw.ContactConversations(ctx, contactID)
	if err != nil {
		return 0, err
	}
	for _, c := range convs {
		if c.InboxID == r.inboxID && c.Status != "resolved" {
			return c.ID, nil
		}
	}
	return 0, nil
}

// contact finds or creates the chat's contact and makes sure it has the
// chat's contact inbox.
func (r *Resolver) contact(ctx context.Context, chat Chat) (int64, error) {
	c, err := r.find(ctx, chat)
	if err != nil {
		return 0, err
	}
	if c == nil {
		res, err := r.cw.CreateContact(ctx, chatwoot.CreateContactRequest{
			InboxID:     r.inboxID,
			SourceID:    chat.SourceID(),
			Name:        chat.DisplayName(),
			Identifier:  chat.Key(),
			PhoneNumber: chat.Phone,
		})
		if err == nil {
			return res.Contact.ID, nil
		}
		var cwErr *chatwoot.Error
		if !errors.As(err, &cwErr) || cwErr.StatusCode != 422 {
			return 0, err
		}
		// Someone else has the identifier or the phone number: take that contact.
		createErr := err
		if c, err = r.find(ctx, chat); err != nil {
			return 0, err
		}
		if c == nil {
			return 0, createErr
		}
	}
	if !slices.ContainsFunc(c.ContactInboxes, func(ci chatwoot.ContactInbox) bool {
		return ci.SourceID == chat.SourceID() && (ci.Inbox.ID == r.inboxID || ci.InboxID == r.inboxID)
	}) {
		if _, err := r.cw.CreateContactInbox(ctx, c.ID, r.inboxID, chat.SourceID()); err != nil {
			return 0, err
		}
	}
	return c.ID, nil
}

// find looks the chat's contact up by identifier, then by phone number.
func (r *Resolver) find(ctx context.Context, chat Chat) (*chatwoot.Contact, error) {
	for page := 1; page <= searchPages; page++ {
		found, err := r.cw.SearchContacts(ctx, chat.Key(), page)
		if err != nil {
			return nil, err
		}
		for i := range found {
			if found[i].Identifier == chat.Key() {
				return &found[i], nil
			}
		}
		if len(found) < 15 {
			break
		}
	}
	if chat.Phone == "" {
		return nil, nil
	}
	found, err := r.cw.FilterContacts(ctx, "phone_number", chat.Phone, 1)
	if err != nil {
		return nil, err
	}
	for i := range found {
		if found[i].PhoneNumber == chat.Phone {
			return &found[i], nil
		}
	}
	return nil, nil
}
