package engine

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/bots/tools"
)

// Approvals (issue 16): a call whose tool needs consent is recorded in
// the store (bots.ApprovalStore) with the loop so far, a prompt with
// Approve and Deny goes to the conversation (bots.ApprovalPrompter), and
// the answer waits for the decision: a click here (DecideApproval, which
// wakes the waiter), a click on another replica (seen by polling the
// store every ApprovalPoll), or the expiry (ApprovalTimeout, then the
// prompt says so). An approved call is claimed (approved -> running) in
// the store before it runs, and its result kept (done): a restart, a
// replayed click or a second replica never runs it twice. A recovered
// answer whose journal id has approvals resumes at the last one's round
// instead of asking the model again.

// maxShownArgs bounds the arguments shown on a prompt.
const maxShownArgs = 600

// approvalWaiters wake the answers waiting on an approval decided in
// this process. The zero value is ready.
type approvalWaiters struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

func (w *approvalWaiters) watch(key string) (<-chan struct{}, func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = map[string]chan struct{}{}
	}
	ch := make(chan struct{}, 1)
	w.m[key] = ch
	return ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.m[key] == ch {
			delete(w.m, key)
		}
	}
}

func (w *approvalWaiters) signal(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.m[key]; ok {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// shownArgs is the arguments as the prompt shows them: what the model
// wrote and nothing else (no configured header or secret is ever added),
// bounded, and unable to close the code block they are shown in.
func shownArgs(args string) string {
	s := strings.ReplaceAll(strings.TrimSpace(args), "```", "'''")
	if len(s) <= maxShownArgs {
		return s
	}
	cut := maxShownArgs
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// approved asks for approval of call and runs it once approved.
func (s *toolStream) approved(call tools.Call, tool tools.Tool) tools.Result {
	e, t := s.a.e, s.t
	runner := e.opts.Tools.Runner
	as, _ := e.opts.Store.(bots.ApprovalStore)
	pr, _ := t.reply.(bots.ApprovalPrompter)
	if as == nil || pr == nil {
		e.log.WarnContext(s.ctx, "a tool call needs approval, which this reply or store cannot ask for; refused", "tool", tool.Name)
		t.note(e.tr(t.lang, i18n.ToolDenied, tool.Name))
		return runner.Deny(call, "approval cannot be asked for here")
	}
	now := time.Now() // wall clock: the expiry must mean the same after a restart
	rec := bots.Approval{Key: call.Key, Answer: t.answerID, Round: s.round, CallID: call.ID,
		Platform: t.msg.Key.Platform, Channel: t.channel, Asker: t.msg.UserID, Lang: t.lang,
		Tool: tool.Name, Arguments: string(call.Arguments), State: bots.ApprovalPending,
		Created: now, Expires: now.Add(e.opts.Tools.ApprovalTimeout),
		Loop: append(slices.Clone(s.rounds), s.current...)}
	rec, created, err := as.PutApproval(s.ctx, rec)
	if err != nil {
		e.log.ErrorContext(s.ctx, "approval not recorded; the call is refused", "tool", tool.Name, "err", err)
		t.note(e.tr(t.lang, i18n.ToolDenied, tool.Name))
		return runner.Deny(call, "the approval could not be recorded")
	}
	if created || (rec.State == bots.ApprovalPending && rec.Prompt == "") {
		rec = s.prompt(rec, as, pr)
	}
	rec = s.decision(rec, as, pr)
	if rec.State == bots.ApprovalPending && wasStopped(s.ctx) {
		s.withdraw(rec, as, pr)
	}
	return s.decided(rec, call, tool, as)
}

// withdraw ends an approval whose answer was stopped: later clicks are
// over and the prompt says why. (An answer cut by a shutdown keeps its
// approval pending: the next process resumes it.)
func (s *toolStream) withdraw(rec bots.Approval, as bots.ApprovalStore, pr bots.ApprovalPrompter) {
	e, t := s.a.e, s.t
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), finishTimeout)
	defer cancel()
	exp := rec
	exp.State = bots.ApprovalExpired
	if ok, err := as.SwapApproval(ctx, bots.ApprovalPending, exp); err != nil || !ok {
		return
	}
	if rec.Prompt != "" {
		if err := pr.CloseApproval(ctx, rec.Prompt, e.tr(t.lang, i18n.ApprovalWithdrawn, rec.Tool)); err != nil {
			e.log.WarnContext(ctx, "withdrawn approval prompt not updated", "err", err)
		}
	}
}

// prompt posts the approval prompt and records its message id. A prompt
// that cannot be posted ends the approval (expired: nobody can click).
func (s *toolStream) prompt(rec bots.Approval, as bots.ApprovalStore, pr bots.ApprovalPrompter) bots.Approval {
	e, t := s.a.e, s.t
	id, err := pr.AskApproval(s.ctx, bots.ApprovalPrompt{Key: rec.Key,
		Text:    e.tr(t.lang, i18n.ApprovalPrompt, rec.Tool, shownArgs(rec.Arguments)),
		Approve: e.tr(t.lang, i18n.ApproveButton), Deny: e.tr(t.lang, i18n.DenyButton), Asker: rec.Asker})
	next := rec
	if err != nil {
		e.log.ErrorContext(s.ctx, "approval prompt not posted; the call is refused", "tool", rec.Tool, "err", err)
		next.State = bots.ApprovalExpired
	} else {
		next.Prompt = id
	}
	ok, serr := as.SwapApproval(s.ctx, bots.ApprovalPending, next)
	if serr != nil || !ok {
		// Decided meanwhile (a fast click), or the store failed: the
		// record says. A process that dies between the post and this
		// write leaves no prompt id: the resumed answer posts the prompt
		// again (both prompts name one approval, which acts once).
		if cur, found, gerr := as.GetApproval(s.ctx, rec.Key); gerr == nil && found {
			return cur
		}
	}
	if next.State == bots.ApprovalPending {
		e.log.InfoContext(s.ctx, "tool call waits for approval", "tool", rec.Tool, "prompt", next.Prompt, "expires", next.Expires)
	}
	return next
}

// decision waits until rec is decided or expires, or the answer ends.
func (s *toolStream) decision(rec bots.Approval, as bots.ApprovalStore, pr bots.ApprovalPrompter) bots.Approval {
	if rec.State != bots.ApprovalPending {
		return rec
	}
	e, t := s.a.e, s.t
	woken, unwatch := e.waiters.watch(rec.Key)
	defer unwatch()
	t.progress(s.ctx, e.tr(t.lang, i18n.ToolWaiting, rec.Tool))
	expiry := time.NewTimer(time.Until(rec.Expires))
	defer expiry.Stop()
	poll := time.NewTicker(e.opts.Tools.ApprovalPoll)
	defer poll.Stop()
	for {
		select {
		case <-woken:
		case <-poll.C:
		case <-expiry.C:
			exp := rec
			exp.State = bots.ApprovalExpired
			if ok, _ := as.SwapApproval(s.ctx, bots.ApprovalPending, exp); ok {
				e.log.InfoContext(s.ctx, "tool call approval expired", "tool", rec.Tool)
				if rec.Prompt != "" && pr != nil {
					if err := pr.CloseApproval(s.ctx, rec.Prompt, e.tr(t.lang, i18n.ApprovalExpired, rec.Tool)); err != nil {
						e.log.WarnContext(s.ctx, "expired approval prompt not updated", "err", err)
					}
				}
				return exp
			}
		case <-s.ctx.Done():
			return rec
		}
		cur, found, err := as.GetApproval(s.ctx, rec.Key)
		switch {
		case err != nil:
			e.log.DebugContext(s.ctx, "approval not read; waiting on", "err", err)
		case found && cur.State != bots.ApprovalPending:
			return cur
		}
	}
}

// decided turns a decided approval into the call's result: an approved
// call is claimed, run and its result kept; one found running was cut
// by a crash and is not run again.
func (s *toolStream) decided(rec bots.Approval, call tools.Call, tool tools.Tool, as bots.ApprovalStore) tools.Result {
	e, t := s.a.e, s.t
	runner := e.opts.Tools.Runner
	switch rec.State {
	case bots.ApprovalApproved:
		run := rec
		run.State = bots.ApprovalRunning
		ok, err := as.SwapApproval(s.ctx, bots.ApprovalApproved, run)
		if err != nil || !ok {
			cur, found, gerr := as.GetApproval(s.ctx, rec.Key)
			if err != nil || gerr != nil || !found || cur.State == bots.ApprovalApproved {
				e.log.ErrorContext(s.ctx, "approved call not claimed; not run", "tool", tool.Name, "err", err)
				return tools.Result{CallID: call.ID, Key: call.Key, Tool: tool.Name, Failure: tools.FailureUnavailable,
					Text: "Error: " + tool.Name + " could not be started. It was not run."}
			}
			return s.decided(cur, call, tool, as) // claimed elsewhere: running or done
		}
		e.log.InfoContext(s.ctx, "approved tool call runs", "tool", tool.Name, "decider", rec.Decider)
		res := s.run(call, tool)
		done := run
		done.State, done.Result = bots.ApprovalDone, res.Text
		if ok, err := as.SwapApproval(s.ctx, bots.ApprovalRunning, done); err != nil || !ok {
			e.log.WarnContext(s.ctx, "tool call result not recorded", "tool", tool.Name, "err", err)
		}
		return res
	case bots.ApprovalDone:
		return tools.Result{CallID: call.ID, Key: call.Key, Tool: tool.Name, Text: rec.Result}
	case bots.ApprovalRunning:
		return tools.Result{CallID: call.ID, Key: call.Key, Tool: tool.Name, Failure: tools.FailureUnavailable,
			Text: "Error: the bot restarted while " + tool.Name + " was running: it may or may not have completed. Do not call it again; tell the user to check."}
	case bots.ApprovalDenied:
		t.note(e.tr(t.lang, i18n.ToolDenied, tool.Name))
		return runner.Deny(call, "denied")
	case bots.ApprovalExpired:
		t.note(e.tr(t.lang, i18n.ToolExpired, tool.Name))
		return runner.Deny(call, "nobody approved it in time")
	}
	return tools.Result{CallID: call.ID, Key: call.Key, Tool: tool.Name, Failure: tools.FailureCanceled, Text: "Error: the call was canceled."}
}

// resumable reports whether the recovered answer has approvals to resume
// from, and keeps the last one for the first Next.
func (s *toolStream) resumable(ctx context.Context) bool {
	e, t := s.a.e, s.t
	as, _ := e.opts.Store.(bots.ApprovalStore)
	if !t.recovered || as == nil || e.opts.Tools.Runner == nil {
		return false
	}
	list, err := as.Approvals(ctx, t.answerID)
	if err != nil || len(list) == 0 {
		if err != nil {
			e.log.WarnContext(ctx, "approvals of a recovered answer not read; asking the model again", "err", err)
		}
		return false
	}
	rec := list[len(list)-1]
	if lastCalls(rec.Loop) < 0 {
		return false
	}
	s.resumeFrom = &rec
	return true
}

// lastCalls is the index of the last assistant message with calls.
func lastCalls(loop []bots.ModelMessage) int {
	for i := len(loop) - 1; i >= 0; i-- {
		if loop[i].Role == bots.RoleAssistant && len(loop[i].ToolCalls) > 0 {
			return i
		}
	}
	return -1
}

// resumeRound continues the round the approval was asked in: the calls
// answered before it keep their results, the others (the approval's
// among them, found again by its key) are answered now, then the next
// round starts.
func (s *toolStream) resumeRound() (bool, error) {
	rec := *s.resumeFrom
	s.resumeFrom = nil
	i := lastCalls(rec.Loop)
	s.a.e.log.InfoContext(s.ctx, "resuming a recovered answer at its tool approval", "tool", rec.Tool, "round", rec.Round, "state", rec.State)
	s.rounds = slices.Clone(rec.Loop[:i])
	s.req.Messages = append(slices.Clone(s.req.Messages), s.rounds...)
	s.round = rec.Round
	s.current = slices.Clone(rec.Loop[i:])
	calls := rec.Loop[i].ToolCalls
	answered := len(s.current) - 1
	if answered > len(calls) {
		answered = len(calls)
	}
	return s.answerRound(calls[answered:], s.limit())
}

// end drops the answer's approvals once its journal entry is gone (kept
// is false): an answer left for another attempt keeps them, so that the
// attempt resumes instead of running a call again.
func (t *toolTurn) end(ctx context.Context, kept bool) {
	if t == nil || kept {
		return
	}
	as, ok := t.e.opts.Store.(bots.ApprovalStore)
	if !ok {
		return
	}
	if err := as.DropApprovals(context.WithoutCancel(ctx), t.answerID); err != nil {
		t.e.log.WarnContext(ctx, "approvals of a finished answer not dropped", "answer", t.answerID, "err", err)
	}
}

// DecideApproval records a click on an approval prompt: approve or deny
// by userID (admin: the platform grants them channel-admin rights;
// bot.admins count too). Only the asker or an admin may decide; a prompt
// already decided (a replayed click), expired or unknown is ApprovalOver.
// It never blocks on the platform: the answer waiting on the approval
// runs the call on its own goroutine. userName is shown on the decided
// prompt ("" shows nothing more than the decision).
func (e *Engine) DecideApproval(ctx context.Context, p bots.Platform, key, userID, userName string, admin, approve bool) (bots.ApprovalResult, error) {
	as, ok := e.opts.Store.(bots.ApprovalStore)
	over := func(lang string) bots.ApprovalResult {
		return bots.ApprovalResult{Outcome: bots.ApprovalOver, Text: e.tr(lang, i18n.ApprovalOver)}
	}
	if !ok || key == "" || userID == "" {
		return over("en"), nil
	}
	rec, found, err := as.GetApproval(ctx, key)
	if err != nil {
		return over("en"), err
	}
	lang := rec.Lang
	if lang == "" {
		lang = "en"
	}
	if !found || rec.Platform != p || rec.State != bots.ApprovalPending || time.Now().After(rec.Expires) {
		return over(lang), nil
	}
	if rec.Asker != userID && !admin && !slices.Contains(e.opts.Admins, bots.UserID(p, userID)) {
		return bots.ApprovalResult{Outcome: bots.ApprovalNotAllowed, Text: e.tr(lang, i18n.ApprovalNotAllowed)}, nil
	}
	next := rec
	next.State, next.Decider = bots.ApprovalDenied, userID
	key18 := i18n.ApprovalDenied
	if approve {
		next.State, key18 = bots.ApprovalApproved, i18n.ApprovalApproved
	}
	if ok, err := as.SwapApproval(ctx, bots.ApprovalPending, next); err != nil || !ok {
		return over(lang), err
	}
	e.waiters.signal(key)
	e.log.InfoContext(ctx, "tool call decided", "tool", rec.Tool, "state", next.State, "user", bots.UserID(p, userID))
	who := userName
	if who == "" {
		who = userID
	}
	return bots.ApprovalResult{Outcome: bots.ApprovalDecided, Text: e.tr(lang, key18, rec.Tool, who)}, nil
}
