// Command floorbot is the least a bot can do under cmd/loadtest and still
// answer every question: the floor of the added latency (event -> LLM
// request) on this machine. It is started by the load tool in place of
// mistralbot (`lt -bot floorbot`), reads the same environment, and for
// each question
//
//   - takes the event (Slack: a signed Events API POST, verified;
//     Discord: MESSAGE_CREATE on a gateway websocket, no library),
//   - sends the LLM request at once (one user message, stream: true,
//     net/http over HTTPS + HTTP/2, as mistralbot does),
//   - reads the stream (SSE lines, each delta's JSON decoded) and
//     posts the whole reply once when it ends (Slack chat.postMessage in
//     the thread; Discord a reply in the channel), waiting out 429s.
//
// With MISTRALBOT_STORE_DRIVER=bolt (the load tool's default) each
// question is claimed in bbolt before the model is asked: the one
// synchronous, fsynced write issue 20 allows on the question's path,
// joined with concurrent claims in one transaction (DB.Batch) as
// mistralbot's store does. No journal, no streaming edits, no history, no
// prompt, no rate budgets: everything mistralbot does beyond this is above
// the floor.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	bolt "go.etcd.io/bbolt"
)

type bot struct {
	llmURL, model string
	llm           *http.Client
	api           *http.Client

	slackAPI, slackToken, slackSecret string
	discordAPI, discordToken, gateway string

	discordID atomic.Value // string: the bot's user id, from READY
	ready     atomic.Bool

	mu   sync.Mutex
	seen map[string]bool // Slack: the mention and the message event of one ts

	db    *bolt.DB // nil: the memory store, no write on the path
	entry int      // FLOOR_ENTRY_BYTES
	// openWrite is FLOOR_OPEN_WRITE=1 (see opened).
	openWrite bool
	writing   atomic.Int32
}

// claim records the question durably: alone, a transaction of its own;
// with others in flight, bbolt's group commit (mistralbot's Bolt.update).
func (b *bot) claim(key string) error {
	if b.db == nil {
		return nil
	}
	fn := func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte("claims"))
		if err != nil {
			return err
		}
		if err := bk.Put([]byte(key), []byte(time.Now().UTC().Format(time.RFC3339Nano))); err != nil {
			return err
		}
		if b.entry == 0 {
			return nil
		}
		// FLOOR_ENTRY_BYTES: a journal entry of that size beside the
		// claim, as mistralbot's admission writes one.
		jb, err := tx.CreateBucketIfNotExists([]byte("journal"))
		if err != nil {
			return err
		}
		return jb.Put([]byte(key), bytes.Repeat([]byte("x"), b.entry))
	}
	defer b.writing.Add(-1)
	if b.writing.Add(1) == 1 {
		return b.db.Update(fn)
	}
	return b.db.Batch(fn)
}

func main() {
	env := os.Getenv
	b := &bot{
		llmURL: strings.TrimSuffix(env("MISTRALBOT_LLM_BASE_URL"), "/") + "/chat/completions",
		model:  env("MISTRALBOT_LLM_MODEL"),
		// One client for the model: HTTP/2 multiplexes the streams.
		llm:          &http.Client{Transport: &http.Transport{ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 64}},
		api:          &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second},
		slackAPI:     env("MISTRALBOT_SLACK_API_URL"),
		slackToken:   env("SLACK_BOT_TOKEN"),
		slackSecret:  env("SLACK_SIGNING_SECRET"),
		discordAPI:   strings.TrimSuffix(env("MISTRALBOT_DISCORD_API_URL"), "/"),
		discordToken: env("DISCORD_BOT_TOKEN"),
		gateway:      env("MISTRALBOT_DISCORD_GATEWAY_URL"),
		seen:         map[string]bool{},
	}
	b.discordID.Store("")
	if env("MISTRALBOT_STORE_DRIVER") == "bolt" {
		db, err := bolt.Open(env("MISTRALBOT_STORE_PATH"), 0o600, &bolt.Options{Timeout: time.Second})
		if err != nil {
			log.Fatal(err)
		}
		db.MaxBatchDelay = time.Millisecond
		b.db = db
		b.entry, _ = strconv.Atoi(env("FLOOR_ENTRY_BYTES"))
		b.openWrite = env("FLOOR_OPEN_WRITE") == "1"
	}
	ln, err := net.Listen("tcp", env("MISTRALBOT_SERVER_LISTEN"))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if b.gateway != "" && !b.ready.Load() {
			http.Error(w, "gateway not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("/slack/events", b.slackEvent)
	if b.gateway != "" {
		go b.discordGateway()
	}
	// The load tool finds the address in this line.
	line, _ := json.Marshal(map[string]string{"level": "INFO", "msg": "mistralbot running", "listen": ln.Addr().String()})
	fmt.Fprintln(os.Stderr, string(line))
	log.Fatal(http.Serve(ln, mux))
}

// slackEvent verifies the signature, answers 200 at once and handles a
// mention (app_mention or message, whichever comes first) in the
// background.
func (b *bot) slackEvent(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	mac := hmac.New(sha256.New, []byte(b.slackSecret))
	fmt.Fprintf(mac, "v0:%s:", r.Header.Get("X-Slack-Request-Timestamp"))
	mac.Write(body)
	if !hmac.Equal([]byte("v0="+hex.EncodeToString(mac.Sum(nil))), []byte(r.Header.Get("X-Slack-Signature"))) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var env struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		Event     struct {
			Type     string `json:"type"`
			User     string `json:"user"`
			BotID    string `json:"bot_id"`
			Text     string `json:"text"`
			TS       string `json:"ts"`
			ThreadTS string `json:"thread_ts"`
			Channel  string `json:"channel"`
		} `json:"event"`
	}
	if json.Unmarshal(body, &env) != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if env.Type == "url_verification" {
		_, _ = io.WriteString(w, env.Challenge)
		return
	}
	w.WriteHeader(http.StatusOK)
	ev := env.Event
	if ev.BotID != "" || ev.TS == "" || !strings.Contains(ev.Text, "<@") {
		return
	}
	b.mu.Lock()
	dup := b.seen[ev.Channel+"/"+ev.TS]
	b.seen[ev.Channel+"/"+ev.TS] = true
	b.mu.Unlock()
	if dup {
		return
	}
	thread := ev.ThreadTS
	if thread == "" {
		thread = ev.TS
	}
	go b.answer("slack/"+ev.Channel+"/"+ev.TS, ev.Text, func(text string) error {
		return b.slackPost(ev.Channel, thread, text)
	})
}

// answer claims the question, asks the model and posts its whole reply
// once.
func (b *bot) answer(key, question string, post func(string) error) {
	if err := b.claim(key); err != nil {
		log.Fatal(err)
	}
	reply, err := b.ask(key, question)
	if err != nil {
		reply = "error: " + err.Error()
	}
	if err := post(reply); err != nil {
		line, _ := json.Marshal(map[string]string{"level": "ERROR", "msg": "post", "error": err.Error()})
		fmt.Fprintln(os.Stderr, string(line))
	}
}

// opened is FLOOR_OPEN_WRITE: at the first token, a batched write of
// the reply's journal entry (mistralbot journals a reply as open when
// its first text goes out), off the question's path but sharing bbolt's
// one writer with the claims of the questions still arriving.
func (b *bot) opened(key string) {
	if b.db == nil || !b.openWrite {
		return
	}
	go func() {
		err := b.db.Batch(func(tx *bolt.Tx) error {
			jb, err := tx.CreateBucketIfNotExists([]byte("open"))
			if err != nil {
				return err
			}
			return jb.Put([]byte(key), bytes.Repeat([]byte("o"), max(b.entry, 600)))
		})
		if err != nil {
			log.Fatal(err)
		}
	}()
}

// ask streams the reply; a 503 (the load tool's injected errors) is
// retried after its Retry-After.
func (b *bot) ask(key, question string) (string, error) {
	body, _ := json.Marshal(map[string]any{"model": b.model, "stream": true, "max_tokens": 1024,
		"messages": []map[string]string{{"role": "user", "content": question}}})
	for attempt := 0; ; attempt++ {
		resp, err := b.llm.Post(b.llmURL, "application/json", bytes.NewReader(body))
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if attempt < 5 && (resp.StatusCode == 503 || resp.StatusCode == 429) {
				time.Sleep(retryAfter(resp.Header.Get("Retry-After")))
				continue
			}
			return "", fmt.Errorf("model: %s", resp.Status)
		}
		var out strings.Builder
		first := true // the first chunk with choices opens the reply
		r := bufio.NewReader(resp.Body)
		for {
			line, err := r.ReadSlice('\n')
			if data, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("data:")); ok {
				data = bytes.TrimSpace(data)
				if string(data) == "[DONE]" {
					break
				}
				var chunk struct {
					Choices []struct {
						Delta struct {
							Content string `json:"content"`
						} `json:"delta"`
					} `json:"choices"`
				}
				if json.Unmarshal(data, &chunk) == nil && len(chunk.Choices) > 0 {
					if first {
						first = false
						b.opened(key)
					}
					out.WriteString(chunk.Choices[0].Delta.Content)
				}
			}
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		return out.String(), nil
	}
}

func retryAfter(s string) time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return time.Second
	}
	return time.Duration(f * float64(time.Second))
}

// post sends one platform call until it is not a 429 (at most 20
// times). result decodes the answer into a value of its own and says
// how long a 429 asks to wait and whether the call failed otherwise.
func (b *bot) post(name, url, contentType, auth string, body []byte,
	result func(resp *http.Response, dec *json.Decoder) (wait time.Duration, err error)) error {
	for range 20 {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", auth)
		resp, err := b.api.Do(req)
		if err != nil {
			return err
		}
		wait, err := result(resp, json.NewDecoder(resp.Body))
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			return err
		}
		time.Sleep(wait)
	}
	return fmt.Errorf("%s: still rate limited", name)
}

// slackPost posts text in the thread.
func (b *bot) slackPost(channel, thread, text string) error {
	form := url.Values{"channel": {channel}, "thread_ts": {thread}, "text": {text}}
	return b.post("chat.postMessage", b.slackAPI+"chat.postMessage", "application/x-www-form-urlencoded",
		"Bearer "+b.slackToken, []byte(form.Encode()), func(resp *http.Response, dec *json.Decoder) (time.Duration, error) {
			var res struct {
				OK    bool   `json:"ok"`
				Error string `json:"error"`
			}
			_ = dec.Decode(&res)
			if !res.OK {
				return retryAfter(resp.Header.Get("Retry-After")), fmt.Errorf("chat.postMessage: %d %s", resp.StatusCode, res.Error)
			}
			return 0, nil
		})
}

// discordPost replies to the message in its channel.
func (b *bot) discordPost(channel, message, text string) error {
	body, _ := json.Marshal(map[string]any{"content": text, "message_reference": map[string]string{"message_id": message}})
	return b.post("create message", b.discordAPI+"/api/v10/channels/"+channel+"/messages", "application/json",
		"Bot "+b.discordToken, body, func(resp *http.Response, dec *json.Decoder) (time.Duration, error) {
			var res struct {
				RetryAfter float64 `json:"retry_after"`
			}
			_ = dec.Decode(&res)
			if resp.StatusCode >= 300 {
				return time.Duration(res.RetryAfter * float64(time.Second)), fmt.Errorf("create message: %s", resp.Status)
			}
			return 0, nil
		})
}

// discordGateway keeps one gateway session: HELLO, IDENTIFY, heartbeats,
// MESSAGE_CREATE. It reconnects (a new IDENTIFY) when the socket ends.
func (b *bot) discordGateway() {
	for {
		if err := b.gatewaySession(); err != nil {
			line, _ := json.Marshal(map[string]string{"level": "WARN", "msg": "gateway", "error": err.Error()})
			fmt.Fprintln(os.Stderr, string(line))
		}
		time.Sleep(time.Second)
	}
}

func (b *bot) gatewaySession() error {
	ws, _, err := websocket.DefaultDialer.Dial(b.gateway+"?v=10&encoding=json", nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	var hello struct {
		D struct {
			Interval int64 `json:"heartbeat_interval"`
		} `json:"d"`
	}
	if err := ws.ReadJSON(&hello); err != nil {
		return err
	}
	var wmu sync.Mutex
	send := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return ws.WriteJSON(v)
	}
	// GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT
	if err := send(map[string]any{"op": 2, "d": map[string]any{"token": "Bot " + b.discordToken, "intents": 1 | 1<<9 | 1<<15,
		"properties": map[string]string{"os": "linux", "browser": "floorbot", "device": "floorbot"}}}); err != nil {
		return err
	}
	var seq atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		t := time.NewTicker(time.Duration(max(hello.D.Interval, 1000)) * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = send(map[string]any{"op": 1, "d": seq.Load()})
			}
		}
	}()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return err
		}
		var f struct {
			Op int             `json:"op"`
			S  int64           `json:"s"`
			T  string          `json:"t"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(data, &f) != nil || f.Op != 0 {
			continue
		}
		seq.Store(f.S)
		switch f.T {
		case "READY":
			var r struct {
				User struct {
					ID string `json:"id"`
				} `json:"user"`
			}
			_ = json.Unmarshal(f.D, &r)
			b.discordID.Store(r.User.ID)
			b.ready.Store(true)
		case "MESSAGE_CREATE":
			var m struct {
				ID        string `json:"id"`
				ChannelID string `json:"channel_id"`
				Content   string `json:"content"`
				Author    struct {
					ID  string `json:"id"`
					Bot bool   `json:"bot"`
				} `json:"author"`
			}
			if json.Unmarshal(f.D, &m) != nil {
				continue
			}
			me := b.discordID.Load().(string)
			if m.Author.Bot || m.Author.ID == me || !strings.Contains(m.Content, "<@"+me+">") {
				continue
			}
			go b.answer("discord/"+m.ID, m.Content, func(text string) error {
				return b.discordPost(m.ChannelID, m.ID, text)
			})
		}
	}
}
