package store

import (
	"context"
	"strconv"
	"testing"
	"time"

	"mistralbot/bots"
)

// benchStores opens one store of each kind for a benchmark.
func benchStores(b *testing.B) map[string]bots.Store {
	m := NewMemory(MemoryOptions{})
	b.Cleanup(func() { _ = m.Close() })
	return map[string]bots.Store{
		"memory": m,
		"bolt":   openTestBolt(b, BoltOptions{}),
		"redis":  openTestRedis(b, RedisOptions{}),
	}
}

// BenchmarkAddUsage measures recording the usage of one reply: six counters
// (day and month of channel, user, global) in one transaction / round trip.
func BenchmarkAddUsage(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"memory", "bolt", "redis"} {
		b.Run(name, func(b *testing.B) {
			s := benchStores(b)[name]
			r := bots.UsageRecord{Channel: "slack:C1", User: "slack:U1", PromptTokens: 1200, CompletionTokens: 300, CostUSD: 0.0004, Time: time.Now()}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r.User = "slack:U" + strconv.Itoa(i%50)
				if err := s.AddUsage(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSettings measures one settings lookup from the store itself (the
// Engine serves repeated lookups from its own cache).
func BenchmarkSettings(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"memory", "bolt", "redis"} {
		b.Run(name, func(b *testing.B) {
			s := benchStores(b)[name]
			for i := range 100 {
				ch := "slack:C" + strconv.Itoa(i)
				if err := s.UpdateSettings(ctx, ch, bots.ChannelSettings{Language: ptr("fr"), SystemPrompt: ptr("Réponds brièvement.")}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				st, err := s.Settings(ctx, "slack:C"+strconv.Itoa(i%100))
				if err != nil || st.Language == nil {
					b.Fatalf("Settings = %+v, %v", st, err)
				}
			}
		})
	}
}

// BenchmarkClaim measures the dedupe claim every incoming event makes.
func BenchmarkClaim(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"memory", "bolt", "redis"} {
		b.Run(name, func(b *testing.B) {
			s := benchStores(b)[name]
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := s.Claim(ctx, "ev"+strconv.Itoa(i), time.Minute); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
