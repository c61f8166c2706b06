package bridge

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/ongair-bridge/ongair-bridge/test/redistest"
)

func newTestQueue(t *testing.T) *Queue {
	rdb := redistest.Client(t, testDB)
	client := asynq.NewClientFromRedisClient(rdb)
	return &Queue{
		mailbox:   &Mailbox{rdb: rdb},
		client:    client,
		inspector: asynq.NewInspectorFromRedisClient(rdb),
		maxRetry:  3,
		log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func taskState(t *testing.T, q *Queue, id string) asynq.TaskState {
	t.Helper()
	info, err := q.inspector.GetTaskInfo(queueName, id)
	if err != nil {
		t.Fatalf("task %s: %v", id, err)
	}
	return info.State
}

// The sweeper queues a head whose task was lost, and moves a chat on past a
// head whose task Asynq archived without the worker recording it.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	q := newTestQueue(t)

	// A crash lost the task of a1: only the mailbox has it.
	if _, _, err := q.mailbox.Push(ctx, textEvent("a1", "+1555")); err != nil {
		t.Fatal(err)
	}
	// b1's task was archived (a timed-out last attempt); b2 waits behind it.
	for _, id := range []string{"b1", "b2"} {
		if _, err := q.Accept(ctx, textEvent(id, "+1666")); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.inspector.ArchiveTask(queueName, "b1"); err != nil {
		t.Fatal(err)
	}

	if err := q.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if s := taskState(t, q, "a1"); s != asynq.TaskStatePending {
		t.Errorf("a1 task is %v, want pending", s)
	}
	if state, _, _ := q.mailbox.turn(ctx, "b1", "+1666"); state != stateDead {
		t.Errorf("b1 is %q, want dead", state)
	}
	if s := taskState(t, q, "b1"); s != asynq.TaskStateArchived {
		t.Errorf("b1 task is %v, want it kept archived", s)
	}
	if state, head, _ := q.mailbox.turn(ctx, "b2", "+1666"); state != stateQueued || !head {
		t.Errorf("b2 is %q (head %v), want queued at the head", state, head)
	}
	if s := taskState(t, q, "b2"); s != asynq.TaskStatePending {
		t.Errorf("b2 task is %v, want pending", s)
	}

	// Sweeping again changes nothing: every head has its task.
	if err := q.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if tasks, _ := q.inspector.ListPendingTasks(queueName); len(tasks) != 2 {
		t.Errorf("%d pending tasks after a second sweep, want 2", len(tasks))
	}
}
