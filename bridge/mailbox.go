package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// The mailbox keeps each chat's events in the order they arrived and lets
// exactly one task work on a chat at a time: only the event at the head of a
// chat's list has a queued task, and finishing it queues the next one. That
// is what keeps a chat's messages in order across failures and retries,
// which Asynq's concurrent workers alone would not.
//
// Redis keys:
//
//	ob:mbox:{chat}  list of event ids, oldest first
//	ob:ev:{id}      hash: state (queued, done, dead), chat, payload
//	ob:mboxes       set of chats whose list is not empty (for the sweeper)
//
// A done or dead event's hash is kept for dedupeTTL, so a redelivered event
// is recognised.
type Mailbox struct {
	rdb redis.UniversalClient
}

const (
	dedupeTTL = 48 * time.Hour

	stateQueued = "queued"
	stateDone   = "done"
	stateDead   = "dead"

	mailboxesKey = "ob:mboxes"
)

func mailboxKey(chat string) string { return "ob:mbox:" + chat }
func eventKey(id string) string     { return "ob:ev:" + id }

// Push outcomes.
const (
	Duplicate = iota // the event was seen before and is dropped
	Head             // the event is first in its chat's mailbox: queue its task
	Waiting          // the event waits behind earlier events of its chat
)

var pushScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'queued', 'chat', ARGV[2], 'payload', ARGV[3])
local n = redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return n
`)

// Push stores ev at the end of its chat's mailbox unless an event with its id
// was seen before.
func (m *Mailbox) Push(ctx context.Context, ev Event) (int, []byte, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return 0, nil, err
	}
	key := ev.Chat.Key()
	n, err := pushScript.Run(ctx, m.rdb, []string{eventKey(ev.ID), mailboxKey(key), mailboxesKey}, ev.ID, key, payload).Int()
	switch {
	case err != nil:
		return 0, nil, fmt.Errorf("store event in Redis: %w", err)
	case n == 0:
		return Duplicate, nil, nil
	case n == 1:
		return Head, payload, nil
	}
	return Waiting, payload, nil
}

var turnScript = redis.NewScript(`
return {redis.call('HGET', KEYS[1], 'state') or '', redis.call('LINDEX', KEYS[2], 0) or ''}
`)

// turn reports the event's state and whether it is at the head of its mailbox.
func (m *Mailbox) turn(ctx context.Context, id, chat string) (state string, head bool, err error) {
	res, err := turnScript.Run(ctx, m.rdb, []string{eventKey(id), mailboxKey(chat)}).StringSlice()
	if err != nil {
		return "", false, fmt.Errorf("read mailbox: %w", err)
	}
	return res[0], res[1] == id, nil
}

var finishScript = redis.NewScript(`
if redis.call('LINDEX', KEYS[2], 0) == ARGV[1] then redis.call('LPOP', KEYS[2]) end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'chat', ARGV[4])
redis.call('HDEL', KEYS[1], 'payload')
redis.call('EXPIRE', KEYS[1], ARGV[3])
local nxt = redis.call('LINDEX', KEYS[2], 0)
if not nxt then
  redis.call('SREM', KEYS[3], ARGV[4])
  return false
end
return {nxt, redis.call('HGET', ARGV[5] .. nxt, 'payload') or ''}
`)

// finish records the event as done or dead, takes it off its mailbox, and
// returns the id and payload of the event now at the head, if any.
func (m *Mailbox) finish(ctx context.Context, id, chat, state string) (next string, payload []byte, err error) {
	res, err := finishScript.Run(ctx, m.rdb, []string{eventKey(id), mailboxKey(chat), mailboxesKey},
		id, state, int(dedupeTTL.Seconds()), chat, eventKey("")).StringSlice()
	if errors.Is(err, redis.Nil) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("finish event in Redis: %w", err)
	}
	return res[0], []byte(res[1]), nil
}

// head is the event at the head of a chat's mailbox.
type head struct {
	id, chat string
	payload  []byte
}

// heads returns the event at the head of every non-empty mailbox.
func (m *Mailbox) heads(ctx context.Context) ([]head, error) {
	chats, err := m.rdb.SMembers(ctx, mailboxesKey).Result()
	if err != nil {
		return nil, err
	}
	out := make([]head, 0, len(chats))
	for _, chat := range chats {
		id, err := m.rdb.LIndex(ctx, mailboxKey(chat), 0).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, err
		}
		payload, err := m.rdb.HGet(ctx, eventKey(id), "payload").Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		if len(payload) > 0 {
			out = append(out, head{id, chat, payload})
		}
	}
	return out, nil
}
