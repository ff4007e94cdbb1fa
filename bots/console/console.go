// Package console is the terminal adapter behind `mistralbot chat`: it
// reads lines, hands them to the same bots.Engine the chat platforms use,
// and prints answers as they stream. It works interactively and with piped
// input (`printf 'hello\n' | mistralbot chat`).
package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"mistralbot/bots"
)

// maxLine bounds one question (a pasted file fits).
const maxLine = 1 << 20

// inputQueue is how many questions typed ahead wait while an answer streams.
const inputQueue = 64

// Engine is what the console needs from the Engine (bots/engine).
type Engine interface {
	// Dispatch decides on a message and queues its answer.
	Dispatch(ctx context.Context, conv bots.Conversations, msg bots.Message) (bots.Disposition, error)
	// Command runs a slash command; Answer streams a command's Ask.
	Command(ctx context.Context, conv bots.Conversations, cmd bots.Command) bots.Response
	Answer(ctx context.Context, ask *bots.Ask, reply bots.Reply) error
	// Forget drops what the Engine remembers of a conversation.
	Forget(key bots.ConversationKey)
}

// Options configure a Console.
type Options struct {
	// In is read line by line; Out receives answers and command output.
	In  io.Reader
	Out io.Writer
	// Engine answers; its Run must be running for messages to be answered.
	Engine Engine
	// Prompt shows "> " before each line (interactive terminals).
	Prompt bool
	// UserName is how the user appears in the conversation (default "you").
	UserName string
	// Locale is the user's locale for the bot's own texts ("fr_FR.UTF-8"
	// from $LANG is fine); "" lets the Engine decide.
	Locale string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Files bounds the files /image and /file attach.
	Files bots.FileLimits
	// Banner, when set, is printed once before the first prompt (chat
	// says which model, provider and language it talks with).
	Banner string
	// Render, when set, renders answers' Markdown (markdown.go); nil
	// prints them as they come.
	Render Renderer
}

// Console is a terminal conversation. It implements bots.Conversations.
type Console struct {
	opts  Options
	run   string // makes message ids unique across runs (dedupe is persistent)
	outMu sync.Mutex

	mu      sync.Mutex
	turns   []bots.Turn
	session int // bumped by /reset: a new conversation key
	seq     int
	waiting map[string]chan struct{} // message id -> closed when its reply finished
	pending []bots.Attachment        // /image and /file, for the next question
	// lines are the input lines (Run's reader); approval the key of the
	// call waiting for y/n, asked signals a new one (tools.go).
	lines    chan string
	approval string
	asked    chan struct{}
	// current is the id of the message whose answer is on screen,
	// stopWanted one Ctrl-C asked to stop before the Engine could
	// (interrupt.go); interrupted a Ctrl-C at the prompt, quit closed by
	// the second.
	current, stopWanted string
	interrupted         bool
	quit                chan struct{}
	quitOnce            sync.Once
}

var _ bots.Conversations = (*Console)(nil)

// New checks opts and returns a Console.
func New(opts Options) (*Console, error) {
	if opts.In == nil || opts.Out == nil || opts.Engine == nil {
		return nil, errors.New("console: In, Out and Engine are required")
	}
	if opts.UserName == "" {
		opts.UserName = "you"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Locale = posixLocale(opts.Locale)
	return &Console{
		opts:    opts,
		run:     strconv.FormatInt(opts.Now().UnixNano(), 36),
		waiting: make(map[string]chan struct{}),
		asked:   make(chan struct{}, 1),
		quit:    make(chan struct{}),
	}, nil
}

// posixLocale turns a POSIX locale ("fr_FR.UTF-8", "de_DE@euro") into a
// language tag ("fr-FR"); "C" and "POSIX" say nothing about the language.
func posixLocale(l string) string {
	l, _, _ = strings.Cut(l, ".")
	l, _, _ = strings.Cut(l, "@")
	if l == "C" || l == "POSIX" {
		return ""
	}
	return strings.ReplaceAll(l, "_", "-")
}

// Run reads questions until EOF, /quit, a second Ctrl-C (Interrupt) or
// ctx ends. Each question is answered before the next is taken, so piped
// input gets every answer in order; at EOF Run returns nil after the last
// answer. A read error is returned. A question is one line, or several
// joined by a paste, a backslash or a code fence (input.go).
//
// Input is read by a goroutine owned by Run, ahead of the answers: what is
// typed while an answer streams waits in a queue, in order. Run waits for
// it at EOF; when ctx ends first, Run returns at once and the reader exits
// at its next line or EOF (a read from a terminal cannot be interrupted).
func (c *Console) Run(ctx context.Context) error {
	lines := make(chan string, inputQueue)
	c.mu.Lock()
	c.lines = lines
	c.mu.Unlock()
	stop := make(chan struct{})
	defer close(stop)
	var readErr error
	readDone := make(chan struct{})
	if c.opts.Banner != "" {
		c.println(c.opts.Banner)
	}
	go func() {
		defer close(readDone)
		defer close(lines)
		sp := newSplitter(c.opts.In, c.continued)
		for {
			q, err := sp.next()
			if err != nil {
				if err != io.EOF {
					readErr = err
				}
				return
			}
			select {
			case lines <- q:
			case <-stop:
				return
			}
		}
	}()
	for {
		if c.opts.Prompt {
			c.print("> ")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-c.quit:
			return nil
		case line, ok := <-lines:
			if !ok {
				<-readDone
				if readErr != nil {
					return fmt.Errorf("console: read input: %w", readErr)
				}
				return nil
			}
			c.mu.Lock()
			c.interrupted = false
			c.mu.Unlock()
			if quit := c.handle(ctx, line); quit {
				return nil
			}
		}
	}
}

// continued shows the continuation prompt when a question goes on to
// another line, unless an answer is on screen.
func (c *Console) continued() {
	c.mu.Lock()
	busy := c.current != ""
	c.mu.Unlock()
	if c.opts.Prompt && !busy {
		c.print("… ")
	}
}

// handle answers one line; it returns true on /quit.
func (c *Console) handle(ctx context.Context, line string) bool {
	line = strings.TrimSpace(line)
	if line == "" {
		return false
	}
	if strings.HasPrefix(line, "/") {
		return c.command(ctx, line)
	}
	msg := c.message(line)
	msg.Attachments = c.takePending()
	c.addTurn(bots.Turn{Role: bots.UserTurn, ID: msg.ID, Name: msg.UserName, Text: line, Attachments: msg.Attachments})
	done := c.expect(msg.ID)
	c.answering(msg.ID)
	defer c.answering("")
	disp, err := c.opts.Engine.Dispatch(ctx, c, msg)
	switch {
	case err != nil:
		c.forget(msg.ID)
		c.println("error: " + err.Error())
	case disp == bots.Queued || disp == bots.Notified:
		c.wait(ctx, done)
	default:
		c.forget(msg.ID)
		c.println("(" + disp.String() + ")")
	}
	return false
}

// message makes the normalized message of a typed line.
func (c *Console) message(text string) bots.Message {
	c.mu.Lock()
	c.seq++
	id := c.run + "." + strconv.Itoa(c.seq)
	key := c.keyLocked()
	c.mu.Unlock()
	return bots.Message{
		Key: key, ID: id, SettingsChannel: "console",
		UserID: "local", UserName: c.opts.UserName, Locale: c.opts.Locale,
		Text: text, DM: true, Admin: true, Time: c.opts.Now(),
	}
}

// keyLocked is the current conversation's key; /reset starts a new one so
// the Engine's caches start afresh too.
func (c *Console) keyLocked() bots.ConversationKey {
	return bots.ConversationKey{Platform: bots.Console, Channel: "console", Thread: c.run + "." + strconv.Itoa(c.session)}
}

// History returns the conversation kept in memory.
func (c *Console) History(_ context.Context, key bots.ConversationKey, limit int) ([]bots.Turn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key != c.keyLocked() {
		return nil, nil
	}
	turns := c.turns
	if limit > 0 && len(turns) > limit {
		turns = turns[len(turns)-limit:]
	}
	return append([]bots.Turn(nil), turns...), nil
}

func (c *Console) addTurn(t bots.Turn) {
	c.mu.Lock()
	c.turns = append(c.turns, t)
	c.mu.Unlock()
}

// expect registers a message whose reply Run waits for.
func (c *Console) expect(id string) chan struct{} {
	ch := make(chan struct{})
	c.mu.Lock()
	c.waiting[id] = ch
	c.mu.Unlock()
	return ch
}

func (c *Console) forget(id string) {
	c.mu.Lock()
	delete(c.waiting, id)
	c.mu.Unlock()
}

// finished records a reply's end and releases whoever waits for it. A
// reply that did not reach the output is not added to the history: the
// model would otherwise be told it said what nobody saw.
func (c *Console) finished(key bots.ConversationKey, id, text string, shown bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if shown && key == c.keyLocked() {
		c.turns = append(c.turns, bots.Turn{Role: bots.BotTurn, Text: text})
	}
	if c.current == id {
		c.current = "" // a Ctrl-C from now on is the prompt's
	}
	if ch, ok := c.waiting[id]; ok {
		close(ch)
		delete(c.waiting, id)
	}
}

// print writes command output and prompts; their write errors are not a
// reply's and have no one to go to (the answers' writes are checked:
// write, reply.go).
func (c *Console) print(s string) { _ = c.write(s) }

// write writes s to Out, whole or with an error.
func (c *Console) write(s string) error {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	_, err := io.WriteString(c.opts.Out, s)
	return err
}

func (c *Console) println(s string) { c.print(s + "\n") }
