package bridge

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/ongair-bridge/ongair-bridge/test/redistest"
)

// Unit tests of this package use Redis database 13.
const testDB = 13

func textEvent(id, chat string) Event {
	return Event{ID: id, Kind: KindText, Chat: Chat{ID: chat}, Text: "hello " + id}
}

func TestMailboxOrderAndDedupe(t *testing.T) {
	ctx := context.Background()
	m := &Mailbox{rdb: redistest.Client(t, testDB)}

	steps := []struct {
		ev   Event
		want int
	}{
		{textEvent("a1", "+1555"), Head},
		{textEvent("a2", "+1555"), Waiting},
		{textEvent("a1", "+1555"), Duplicate},
		{textEvent("b1", "+1666"), Head},
		{textEvent("a3", "+1555"), Waiting},
	}
	for _, s := range steps {
		got, _, err := m.Push(ctx, s.ev)
		if err != nil || got != s.want {
			t.Fatalf("Push(%s) = %d, %v; want %d", s.ev.ID, got, err, s.want)
		}
	}

	for _, tc := range []struct {
		id, chat  string
		wantState string
		wantHead  bool
	}{
		{"a1", "+1555", stateQueued, true},
		{"a2", "+1555", stateQueued, false},
		{"b1", "+1666", stateQueued, true},
		{"zz", "+1555", "", false},
	} {
		state, head, err := m.turn(ctx, tc.id, tc.chat)
		if err != nil || state != tc.wantState || head != tc.wantHead {
			t.Errorf("turn(%s) = %q, %v, %v; want %q, %v", tc.id, state, head, err, tc.wantState, tc.wantHead)
		}
	}

	heads, err := m.heads(ctx)
	if got := headChats(heads); err != nil || len(got) != 2 || got["a1"] != "+1555" || got["b1"] != "+1666" {
		t.Fatalf("heads = %v, %v; want a1 of +1555 and b1 of +1666", got, err)
	}

	next, payload, err := m.finish(ctx, "a1", "+1555", stateDone)
	if err != nil || next != "a2" || len(payload) == 0 {
		t.Fatalf("finish(a1) = %q, %d bytes, %v; want a2 and its payload", next, len(payload), err)
	}
	if state, _, _ := m.turn(ctx, "a1", "+1555"); state != stateDone {
		t.Errorf("a1 state = %q, want done", state)
	}
	if got, _, _ := m.Push(ctx, textEvent("a1", "+1555")); got != Duplicate {
		t.Errorf("a1 pushed again after done = %d, want Duplicate", got)
	}
	next, _, _ = m.finish(ctx, "a2", "+1555", stateDead)
	if next != "a3" {
		t.Fatalf("finish(a2) next = %q, want a3", next)
	}
	if next, _, err = m.finish(ctx, "a3", "+1555", stateDone); next != "" || err != nil {
		t.Fatalf("finish(a3) = %q, %v; want empty mailbox", next, err)
	}
	heads, _ = m.heads(ctx)
	if got := headChats(heads); len(got) != 1 || got["b1"] != "+1666" || len(heads[0].payload) == 0 {
		t.Errorf("heads after draining +1555 = %v, want only b1 with its payload", got)
	}
	// The next event of an emptied mailbox is its head again.
	if got, _, _ := m.Push(ctx, textEvent("a4", "+1555")); got != Head {
		t.Errorf("push into emptied mailbox = %d, want Head", got)
	}
}

func TestMailboxConcurrentPushesHaveOneHead(t *testing.T) {
	ctx := context.Background()
	m := &Mailbox{rdb: redistest.Client(t, testDB)}
	const n = 50
	outcomes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			outcomes[i], _, err = m.Push(ctx, textEvent(fmt.Sprintf("e%d", i%25), "+1777"))
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, o := range outcomes {
		count[o]++
	}
	if count[Head] != 1 || count[Waiting] != 24 || count[Duplicate] != 25 {
		t.Errorf("outcomes = %v, want 1 head, 24 waiting, 25 duplicates", count)
	}
}

// headChats maps each head's event id to its chat.
func headChats(hs []head) map[string]string {
	out := map[string]string{}
	for _, h := range hs {
		out[h.id] = h.chat
	}
	return out
}
