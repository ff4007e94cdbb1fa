package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"

	goredis "github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"

	"mistralbot/bots"
)

var (
	_ bots.FeedbackStore = (*Memory)(nil)
	_ bots.FeedbackStore = (*Bolt)(nil)
	_ bots.FeedbackStore = (*Redis)(nil)
)

// bucketFeedback holds one JSON vote per voter and answer (bolt).
const bucketFeedback = "feedback"

// voteKey is the key of a voter's vote on an answer.
func voteKey(f bots.Feedback) string { return f.Reply + "\x00" + f.User }

func checkVote(f bots.Feedback) error {
	if f.Reply == "" || f.User == "" || f.Channel == "" {
		return errors.New("vote without reply, user or channel")
	}
	return nil
}

// mapVotes are the JSON votes of a map (the memory store's, a Redis hash).
func mapVotes[V ~string | ~[]byte](m map[string]V) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for _, v := range m {
			if !yield([]byte(v)) {
				return
			}
		}
	}
}

// bucketVotes are the JSON votes of bolt's feedback bucket (nil: none yet).
func bucketVotes(bk *bolt.Bucket) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		if bk == nil {
			return
		}
		c := bk.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !yield(v) {
				return
			}
		}
	}
}

// countVotes adds up votes (JSON values) of channel ("" for all).
func countVotes(channel string, votes iter.Seq[[]byte]) ([]bots.FeedbackCount, error) {
	type k struct{ ch, model, lang string }
	sums := map[k]*bots.FeedbackCount{}
	for raw := range votes {
		var f bots.Feedback
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("stored vote: %w", err)
		}
		if channel != "" && f.Channel != channel {
			continue
		}
		key := k{f.Channel, f.Model, f.Language}
		c := sums[key]
		if c == nil {
			c = &bots.FeedbackCount{Channel: f.Channel, Model: f.Model, Language: f.Language}
			sums[key] = c
		}
		if f.Up {
			c.Up++
		} else {
			c.Down++
		}
	}
	out := make([]bots.FeedbackCount, 0, len(sums))
	for _, c := range sums {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b bots.FeedbackCount) int {
		return cmp.Or(cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Model, b.Model), cmp.Compare(a.Language, b.Language))
	})
	return out, nil
}

// Vote implements bots.FeedbackStore.
func (m *Memory) Vote(ctx context.Context, f bots.Feedback) (bool, error) {
	if err := checkVote(f); err != nil {
		return false, fmt.Errorf("memory store: vote: %w", err)
	}
	raw, _ := json.Marshal(f)
	if err := m.lock("vote"); err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	if m.votes == nil {
		m.votes = map[string][]byte{}
	}
	k := voteKey(f)
	if string(m.votes[k]) == string(raw) {
		return false, nil
	}
	m.votes[k] = raw
	return true, nil
}

// FeedbackCounts implements bots.FeedbackStore.
func (m *Memory) FeedbackCounts(ctx context.Context, channel string) ([]bots.FeedbackCount, error) {
	if err := m.lock("feedback counts"); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	return countVotes(channel, mapVotes(m.votes))
}

// Vote implements bots.FeedbackStore in one transaction.
func (b *Bolt) Vote(ctx context.Context, f bots.Feedback) (bool, error) {
	if err := checkVote(f); err != nil {
		return false, fmt.Errorf("bolt store: vote: %w", err)
	}
	raw, _ := json.Marshal(f)
	changed := false
	err := b.update(ctx, func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte(bucketFeedback))
		if err != nil {
			return err
		}
		k := []byte(voteKey(f))
		if string(bk.Get(k)) == string(raw) {
			return nil
		}
		changed = true
		return bk.Put(k, raw)
	})
	if err != nil {
		return false, fmt.Errorf("bolt store: vote: %w", err)
	}
	return changed, nil
}

// FeedbackCounts implements bots.FeedbackStore.
func (b *Bolt) FeedbackCounts(ctx context.Context, channel string) ([]bots.FeedbackCount, error) {
	var out []bots.FeedbackCount
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket([]byte(bucketFeedback))
		var err error
		out, err = countVotes(channel, bucketVotes(bk))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bolt store: feedback counts: %w", err)
	}
	return out, nil
}

// voteScript sets a vote unless it is the same already, atomically: a
// click delivered twice to two replicas counts once.
var voteScript = goredis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`)

// Vote implements bots.FeedbackStore: one hash of votes (field: answer and
// voter), one round trip.
func (r *Redis) Vote(ctx context.Context, f bots.Feedback) (bool, error) {
	if err := checkVote(f); err != nil {
		return false, fmt.Errorf("redis store: vote: %w", err)
	}
	raw, _ := json.Marshal(f)
	n, err := voteScript.Run(ctx, r.client, []string{r.key("feedback")}, voteKey(f), string(raw)).Int()
	if err != nil {
		return false, fmt.Errorf("redis store: vote: %w", r.wrap(ctx, err))
	}
	return n == 1, nil
}

// FeedbackCounts implements bots.FeedbackStore (one HGETALL).
func (r *Redis) FeedbackCounts(ctx context.Context, channel string) ([]bots.FeedbackCount, error) {
	h, err := r.client.HGetAll(ctx, r.key("feedback")).Result()
	if err != nil {
		return nil, fmt.Errorf("redis store: feedback counts: %w", r.wrap(ctx, err))
	}
	out, err := countVotes(channel, mapVotes(h))
	if err != nil {
		return nil, fmt.Errorf("redis store: feedback counts: %w", err)
	}
	return out, nil
}
