package engine_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

// screenshotPNG draws a 4000x3000 "IDE screenshot": a light background
// with rows of dark glyph-like strokes of varying shade, so that it
// compresses like a real one (about a megabyte), not like a flat fill.
func screenshotPNG(tb testing.TB) []byte {
	tb.Helper()
	const w, h = 4000, 3000
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(7)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{R: 250, G: 250, B: 248, A: 255}
			if line := y % 22; line > 4 && line < 18 && (x/9)%11 != 0 && x%400 < 330 {
				seed = seed*1664525 + 1013904223
				if seed>>29 < 3 {
					v := uint8(40 + seed>>26%60)
					c = color.RGBA{R: v, G: v / 2, B: v + 60, A: 255}
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// BenchmarkScreenshotReply is the figure for one reply with one
// 4000x3000 screenshot: the bytes fetched over HTTP (a loopback server
// standing in for the platform's CDN), the time to decode and downscale
// (bots.ReadFile), the bytes sent to the model, and the prompt-token
// estimate against the fake provider's prompt_tokens (llmtest counts the
// image from its decoded bytes by the encoder rule).
func BenchmarkScreenshotReply(b *testing.B) {
	data := screenshotPNG(b)
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	defer cdn.Close()
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.Mistral, NoRecord: true})
	defer srv.Close()
	client, err := llm.New(llm.Options{Dialect: llm.Mistral, BaseURL: srv.URL(), APIKey: "k", MaxRetries: -1})
	if err != nil {
		b.Fatal(err)
	}
	var fetched, sent, estimate, actual int
	var prep time.Duration
	var peak uint64
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	for b.Loop() {
		resp, err := cdn.Client().Get(cdn.URL)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fetched = len(body)
		start := time.Now()
		att := bots.ReadFile("screenshot.png", body, bots.FileLimits{ImageMaxBytes: 20 << 20})
		prep += time.Since(start)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		if att.Image == nil {
			b.Fatalf("not an image: %+v", att.Refused)
		}
		msgs := []llm.Message{{Role: llm.RoleUser, Content: "me: what is wrong here?", Images: []llm.Image{{URL: att.Image.URL, Width: att.Image.Width, Height: att.Image.Height}}}}
		sent = len(att.Image.URL)
		estimate = client.Estimator().EstimateMessages(msgs) + llm.ImageTokens("mistral-small-latest", att.Image.Width, att.Image.Height)
		s, err := client.Stream(context.Background(), llm.Request{Messages: msgs})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := s.Next(); err != nil {
				break
			}
		}
		s.Close()
		actual = s.Result().Usage.PromptTokens
	}
	b.ReportMetric(float64(fetched), "bytes-fetched")
	b.ReportMetric(float64(prep.Milliseconds())/float64(b.N), "ms-decode+downscale")
	b.ReportMetric(float64(sent), "bytes-sent")
	b.ReportMetric(float64(estimate), "tokens-estimated")
	b.ReportMetric(float64(actual), "prompt-tokens")
	b.ReportMetric(float64(peak-min(peak, base.HeapInuse))/(1<<20), "extra-heap-MB")
}
