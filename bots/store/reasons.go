package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"

	bolt "go.etcd.io/bbolt"

	"mistralbot/bots"
)

// A 👎 reason is kept in its vote (bots.Feedback.Reason): Vote stores it
// like any change of the vote, so the same reason submitted twice is
// unchanged (recorded once), and the counts do not move.

// reasonsOf returns the votes (JSON values) of channel ("" for all) with a
// reason, sorted.
func reasonsOf(channel string, votes iter.Seq[[]byte]) ([]bots.Feedback, error) {
	var out []bots.Feedback
	for raw := range votes {
		var f bots.Feedback
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("stored vote: %w", err)
		}
		if f.Reason != "" && (channel == "" || f.Channel == channel) {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b bots.Feedback) int {
		return cmp.Or(cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Reply, b.Reply), cmp.Compare(a.User, b.User))
	})
	return out, nil
}

// FeedbackReasons implements bots.FeedbackStore.
func (m *Memory) FeedbackReasons(ctx context.Context, channel string) ([]bots.Feedback, error) {
	if err := m.lock("feedback reasons"); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	return reasonsOf(channel, mapVotes(m.votes))
}

// FeedbackReasons implements bots.FeedbackStore.
func (b *Bolt) FeedbackReasons(ctx context.Context, channel string) ([]bots.Feedback, error) {
	var out []bots.Feedback
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bucketFeedback))
		var err error
		out, err = reasonsOf(channel, bucketVotes(bk))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bolt store: feedback reasons: %w", err)
	}
	return out, nil
}

// FeedbackReasons implements bots.FeedbackStore (one HGETALL).
func (r *Redis) FeedbackReasons(ctx context.Context, channel string) ([]bots.Feedback, error) {
	h, err := r.client.HGetAll(ctx, r.key("feedback")).Result()
	if err != nil {
		return nil, fmt.Errorf("redis store: feedback reasons: %w", r.wrap(ctx, err))
	}
	out, err := reasonsOf(channel, mapVotes(h))
	if err != nil {
		return nil, fmt.Errorf("redis store: feedback reasons: %w", err)
	}
	return out, nil
}
