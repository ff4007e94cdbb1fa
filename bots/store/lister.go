package store

import (
	"context"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"mistralbot/bots"
)

// Every store lists the channels with stored overrides (the digest
// scheduler's source of the digests set from the chat).
var (
	_ bots.SettingsLister = (*Memory)(nil)
	_ bots.SettingsLister = (*Bolt)(nil)
	_ bots.SettingsLister = (*Redis)(nil)
)

// SettingsChannels implements bots.SettingsLister.
func (m *Memory) SettingsChannels(ctx context.Context) ([]string, error) {
	if err := m.lock("settings channels"); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.settings))
	for id := range m.settings {
		out = append(out, id)
	}
	return out, nil
}

// SettingsChannels implements bots.SettingsLister.
func (b *Bolt) SettingsChannels(ctx context.Context) ([]string, error) {
	var out []string
	err := b.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(bucketSettings)).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt store: settings channels: %w", err)
	}
	return out, nil
}

// SettingsChannels implements bots.SettingsLister with SCAN (never KEYS,
// which blocks the server on a big keyspace).
func (r *Redis) SettingsChannels(ctx context.Context) ([]string, error) {
	prefix := r.key("settings", "")
	var out []string
	iter := r.client.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		out = append(out, strings.TrimPrefix(iter.Val(), prefix))
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("redis store: settings channels: %w", r.wrap(ctx, err))
	}
	return out, nil
}
