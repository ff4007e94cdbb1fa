package llm

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

// pngDataURL encodes a real w x h PNG as a data: URL.
func pngDataURL(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

func imageReq(t *testing.T, model string) (Request, string) {
	url := pngDataURL(t, 60, 30)
	return Request{Model: model, Messages: []Message{
		{Role: RoleSystem, Content: "sys"},
		{Role: RoleUser, Content: "Ann: what is this?", Images: []Image{{URL: url, Width: 60, Height: 30}}},
	}}, url
}

// TestImagePartsPerDialect asserts the exact bytes of the messages each
// dialect sends, and that the fake (validating that dialect's shape)
// answers and counts the image by the encoder rule.
func TestImagePartsPerDialect(t *testing.T) {
	for _, d := range []Dialect{OpenRouter, Mistral, OpenAI} {
		t.Run(string(d), func(t *testing.T) {
			h := newHarness(t, llmtest.Options{}, Options{Dialect: d, APIKey: "k", MaxRetries: 0})
			model := DefaultModel(d)
			if d == OpenAI {
				model = "mistral-small3.2" // Ollama's name of Small 3.2; plain mistral-small is the text-only 2501
			}
			req, url := imageReq(t, model)
			if _, res, err := h.run(t, req); err != nil {
				t.Fatalf("run: %v", err)
			} else if res.ImagesDropped {
				t.Fatal("images dropped for a vision model")
			}
			body := string(h.srv.Requests()[0].Body)
			img := `{"type":"image_url","image_url":{"url":"` + url + `"}}`
			if d == Mistral {
				img = `{"type":"image_url","image_url":"` + url + `"}`
			}
			want := `"messages":[{"role":"system","content":"sys"},{"role":"user","content":[{"type":"text","text":"Ann: what is this?"},` + img + `]}]`
			if !strings.Contains(body, want) {
				t.Fatalf("body:\n%s\nwant messages:\n%s", body, want)
			}
			rec := h.srv.Requests()[0].Messages[1]
			if len(rec.Images) != 1 || rec.Images[0].Width != 60 || rec.Images[0].Height != 30 || rec.Content != "Ann: what is this?" {
				t.Fatalf("recorded %+v", rec)
			}
		})
	}
}

// TestFakeRefusesWrongShape: each fake refuses the other dialect's shape,
// as a provider validating its schema does.
func TestFakeRefusesWrongShape(t *testing.T) {
	url := pngDataURL(t, 8, 8)
	for _, tc := range []struct {
		d    llmtest.Dialect
		part string
	}{
		{llmtest.OpenRouter, `{"type":"image_url","image_url":"` + url + `"}`},
		{llmtest.OpenAI, `{"type":"image_url","image_url":"` + url + `"}`},
		{llmtest.Mistral, `{"type":"image_url","image_url":{"uri":"` + url + `"}}`},
		{llmtest.Mistral, `{"type":"image_url","image_url":"data:image/png;base64,!!!"}`},
		{llmtest.OpenRouter, `{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,` + strings.TrimPrefix(url, "data:image/png;base64,") + `"}}`},
	} {
		srv := llmtest.New(llmtest.Options{Dialect: tc.d})
		body := `{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"},` + tc.part + `]}],"stream":true}`
		resp, err := srv.Client().Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%s %s: status %d, want 400", tc.d, tc.part[:40], resp.StatusCode)
		}
	}
}

// TestTextOnlyModelRefusesImages: the provider refuses images for a
// text-only model in its own words; the client learns it, answers from
// the text on the same model (never marking it retired), says so in the
// result, and sends no images to that model again.
func TestTextOnlyModelRefusesImages(t *testing.T) {
	for _, d := range []Dialect{OpenRouter, Mistral, OpenAI} {
		t.Run(string(d), func(t *testing.T) {
			models := []llmtest.Model{{ID: "text-model", ContextLength: 32000, TextOnly: true}}
			h := newHarness(t, llmtest.Options{Models: models}, Options{Dialect: d, APIKey: "k", Model: "text-model", FallbackModels: []string{"other"}})
			req, _ := imageReq(t, "text-model")
			text, res, err := h.run(t, req)
			if err != nil || text == "" {
				t.Fatalf("run: %q %v", text, err)
			}
			if !res.ImagesDropped || res.Model != "text-model" {
				t.Fatalf("result %+v", res)
			}
			reqs := h.srv.Requests()
			if len(reqs) != 2 || len(reqs[0].Messages[1].Images) != 1 || len(reqs[1].Messages[1].Images) != 0 {
				t.Fatalf("requests: %d", len(reqs))
			}
			if !strings.Contains(string(reqs[1].Body), `"content":"Ann: what is this?"`) {
				t.Fatalf("retry body %s", reqs[1].Body)
			}
			if h.c.TakesImages("text-model") {
				t.Fatal("TakesImages true after a refusal")
			}
			// The next question goes without images at once.
			if _, res, err := h.run(t, req); err != nil || !res.ImagesDropped || len(h.srv.Requests()) != 3 {
				t.Fatalf("second run: %v %+v %d requests", err, res, len(h.srv.Requests()))
			}
			if h.c.candidates(Request{})[0] != "text-model" {
				t.Fatal("the model was marked retired")
			}
		})
	}
}

// TestTakesImagesFromListing: the live listing decides (OpenRouter
// input_modalities, Mistral capabilities.vision) over the catalogue.
func TestTakesImagesFromListing(t *testing.T) {
	for _, d := range []Dialect{OpenRouter, Mistral} {
		models := []llmtest.Model{{ID: "mistral-small-2506", ContextLength: 1000, TextOnly: true}, {ID: "vis", ContextLength: 1000}}
		h := newHarness(t, llmtest.Options{Models: models}, Options{Dialect: d, APIKey: "k"})
		if !h.c.TakesImages("mistral-small-2506") {
			t.Fatalf("%s: catalogue says Small 3.2 takes images", d)
		}
		for _, id := range []string{"mistral-small-2506", "vis"} {
			if _, err := h.c.Probe(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}
		if h.c.TakesImages("mistral-small-2506") || !h.c.TakesImages("vis") {
			t.Fatalf("%s: listing not followed", d)
		}
	}
}

func TestImageTokens(t *testing.T) {
	for _, tc := range []struct {
		model string
		w, h  int
		want  int
	}{
		{"mistral-small-latest", 28, 28, 2},        // one token + [IMG_END]
		{"mistral-small-latest", 1540, 1155, 2352}, // 55 cols x 42 rows + 42
		{"mistral-small-latest", 4000, 3000, 2352}, // resized to 1540x1155 first
		{"mistral-small-latest", 29, 1, 3},         // ceil: 2 cols, 1 row
		{"pixtral-12b-2409", 1024, 512, 2080},      // 64 x 32 + 32
		{"x", 0, 10, 0},
	} {
		if got := ImageTokens(tc.model, tc.w, tc.h); got != tc.want {
			t.Errorf("ImageTokens(%s, %d, %d) = %d, want %d", tc.model, tc.w, tc.h, got, tc.want)
		}
		if tc.model != "pixtral-12b-2409" {
			if got := llmtest.ImageTokens(tc.w, tc.h); got != tc.want {
				t.Errorf("llmtest.ImageTokens(%d, %d) = %d, want %d", tc.w, tc.h, got, tc.want)
			}
		}
	}
}

func TestCatalogImages(t *testing.T) {
	for id, want := range map[string]ImageSupport{
		"mistralai/mistral-small-3.2-24b-instruct": ImagesYes, "mistral-small-2603": ImagesYes,
		"mistral-small-latest": ImagesYes, "mistral-small-2501": ImagesNo, "codestral-latest": ImagesNo, "llama3": ImagesUnknown,
	} {
		if got := catalogImages(id); got != want {
			t.Errorf("catalogImages(%s) = %v, want %v", id, got, want)
		}
	}
}
