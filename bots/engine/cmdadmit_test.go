package engine_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
	"mistralbot/bots/store"
)

// TestCommandWaitsOneStoreRoundTrip (issue 12): a slash command waits for
// one store round trip before the adapter's first platform call (posting
// the question, Discord's deferred response): the claim of its delivery
// id (replay protection), the channel's settings and the limits of /ask
// go side by side, the claim and the asker's rate token in one store
// write. Every store call is slowed by storeRTT, so Command's duration in
// fake time counts the round trips waited: one. Before, the adapter's
// ClaimDelivery, then the settings, then the limits made three. A replay
// to this process is refused at no store cost, a replay to another
// replica sharing the store after one round trip, and neither takes a
// token of the asker's rate.
func TestCommandWaitsOneStoreRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := store.NewMemory(store.MemoryOptions{})
		tune := func(o *engine.Options) {
			o.Store = slowStore{mem}
			o.DailyUSDCap, o.DailyTokensPerChannel, o.RatePerUser = 5, 100000, 2
		}
		h := newMemHarness(t, newMemLLM(), tune)
		other := newMemHarness(t, newMemLLM(), tune) // another replica, same store
		synctest.Wait()                              // both Runs are up
		ctx := context.Background()
		ask := func(eng *engine.Engine, delivery, question string) (bots.Response, time.Duration) {
			t.Helper()
			start := time.Now()
			cmd := bots.Command{Name: "ask", Text: question, Msg: cmdMsg(false), Delivery: "slack:trigger:" + delivery}
			cmd.Msg.Text = question
			resp := eng.Command(ctx, h.conv, cmd)
			return resp, time.Since(start)
		}
		resp, took := ask(h.eng, "T1", "what is a slice?")
		if resp.Ask == nil || resp.Replayed {
			t.Fatalf("first /ask = %+v, want an Ask", resp)
		}
		if took != storeRTT {
			t.Errorf("/ask waited %v (%.1f store round trips) before its question could be posted, want 1",
				took, float64(took)/float64(storeRTT))
		}
		// Its delivery is claimed in the store: ClaimDelivery's key.
		if free, err := mem.Claim(ctx, "dlv:slack:trigger:T1", time.Hour); free || err != nil {
			t.Errorf("the store's claim of the trigger_id: free = %v (%v), want claimed", free, err)
		}
		// A replay to this process: known here, no store call.
		if resp, took := ask(h.eng, "T1", "what is a slice?"); !resp.Replayed || resp.Ask != nil || resp.Text != "" || took != 0 {
			t.Errorf("replay here = %+v after %v, want Replayed at no store cost", resp, took)
		}
		// A replay to the other replica: one round trip, refused.
		if resp, took := ask(other.eng, "T1", "what is a slice?"); !resp.Replayed || resp.Ask != nil || took != storeRTT {
			t.Errorf("replay to another replica = %+v after %v, want Replayed after one round trip", resp, took)
		}
		// The replays took no rate token: with 2 a minute, the asker's
		// second /ask runs (now with its settings cached) and the third
		// is refused.
		if resp, took := ask(other.eng, "T2", "and a map?"); resp.Ask == nil || took != storeRTT {
			t.Errorf("second /ask = %+v after %v, want an Ask after one round trip", resp, took)
		}
		resp, _ = ask(h.eng, "T3", "and a channel?")
		if want := i18n.T("en", i18n.LimitUserRate, 2, "00:01 UTC"); resp.Ask != nil || resp.Text != want {
			t.Errorf("third /ask = %+v, want the refusal %q", resp, want)
		}
	})
}
