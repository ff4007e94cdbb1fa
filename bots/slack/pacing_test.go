package slack

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"mistralbot/bots/engine"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// 120 replies stream at once in one workspace whose chat.update budget
// (10 a minute) pays for a tenth of them: a few are admitted and stream,
// the others appear complete in one post; every reply ends with its whole
// text, and neither chat.update nor assistant.threads.setStatus (120
// statuses, more than the fake's 100) is ever refused with 429.
func TestManyRepliesShareTheWorkspaceBudget(t *testing.T) {
	const replies, channels, updatesPerMinute = 120, 24, 10
	answer := words(30)
	h := newHarness(t, harnessOptions{
		fake: fakeslack.Options{Limits: map[string]fakeslack.Limit{
			"chat.update": {PerMinute: 2 * updatesPerMinute, Burst: updatesPerMinute}}},
		llm:    llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 20 * time.Millisecond},
		engine: func(o *engine.Options) { o.MaxConcurrency = replies },
		adapt:  func(o *Options) { o.UpdatesPerMinute = updatesPerMinute },
	})
	start := time.Now()
	var msgs []fakeslack.Message
	for i := range replies {
		// Five per channel: chat.postMessage is paced per channel.
		msgs = append(msgs, h.fake.PostUserMessage(fmt.Sprintf("C0LOAD%02d", i%channels), "", "U0ALICE",
			fmt.Sprintf("<@U0BOT> question %d", i)))
	}
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Go(func() {
			h.deliverEvent(h.fake.EventCallback(nextEventID(), h.fake.MessageEvent(m, fakeslack.AppMention)), 0)
		})
	}
	wg.Wait()
	want := Mrkdwn(answer)
	single, streamed := 0, 0
	for _, m := range msgs {
		got := h.waitReplyText(m.Channel, m.TS, want)
		if len(got) != 1 {
			t.Errorf("%s/%s: %d bot messages", m.Channel, m.TS, len(got))
			continue
		}
		if got[0].Edits == 0 {
			single++
		} else {
			streamed++
		}
	}
	minutes := time.Since(start).Minutes()
	for _, method := range []string{"chat.update", "assistant.threads.setStatus"} {
		if n := h.fake.Count(method, http.StatusTooManyRequests); n != 0 {
			t.Errorf("%s: %d calls refused with 429", method, n)
		}
	}
	// A bucket of n a minute allows n + n*minutes calls.
	if n, most := h.fake.Count("chat.update", 0), updatesPerMinute*(1+minutes); float64(n) > most {
		t.Errorf("%d chat.update calls, budget %.1f", n, most)
	}
	if n, most := h.fake.Count("assistant.threads.setStatus", 0), statusPerMinute*(1+minutes); float64(n) > most {
		t.Errorf("%d status calls, budget %.1f", n, most)
	}
	if single == 0 || streamed == 0 {
		t.Errorf("%d replies posted whole, %d streamed: want both", single, streamed)
	}
	t.Logf("%d replies posted whole, %d streamed, %d chat.update, %d statuses in %.1fs", single, streamed,
		h.fake.Count("chat.update", 0), h.fake.Count("assistant.threads.setStatus", 0), minutes*60)
}
