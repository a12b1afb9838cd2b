package main

import (
	"errors"
	"fmt"
	"github.com/fmtiny/fmtiny/fm/fileio"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fmtiny/fmtiny/fm"
	"github.com/fmtiny/fmtiny/mat"
	"github.com/fmtiny/fmtiny/ode"
)

const reflowAbout = `Straighten a model's flow so that one or two Euler steps sample it (rectified flow: Liu, Gong
and Liu, ICLR 2023), and save the student.

Each round draws --pairs points of noise x0, solves the teacher's ODE accurately from them
(dopri5, --rtol/--atol, on all threads; or --solver midpoint --solver-steps 50, a fixed-step
solver, which bounds what a UNet's pairs cost) to x1, and trains a student, warm-started from the
teacher, on the straight path between each fixed pair: x_t = t x1 + (1 - t) x0, target x1 - x0,
for --steps steps. With --rounds k each round's student is the next round's teacher (a
k-rectified flow). --distill then draws pairs from the last student and trains its single Euler
step to map x0 to x1: u(x0, 0) regressed on x1 - x0, t = 0 alone, for --distill-steps steps.
A conditional teacher's pairs carry their labels, every class in turn (drawn with --guidance),
and its student stays conditional. A UNet teacher (images) gives a UNet student, trained in
batches of 128 unless --batch says otherwise; its pairs cost a solve each of the UNet, so
--pairs of a few thousand are the place to start.

Training reports its progress as train does. A checkpoint (the -o file with .ckpt appended, the
running stage's student and its pairs) is written every --checkpoint-every steps and on Ctrl-C
or SIGTERM; the same command with --resume continues it and ends with the same student, bit for
bit. While a checkpoint is there, reflow refuses to start without --resume or --restart, which
starts over and moves the checkpoint aside (.ckpt.old). The student's file records the rounds,
the pairs and whether it was distilled.

Examples:
  fmtiny reflow -m model.safetensors --distill -o student.safetensors
  fmtiny sample -m student.safetensors --solver euler --steps 1 > points.csv
  fmtiny reflow -m model.safetensors --rounds 2 -o 2-rectified.safetensors
  fmtiny reflow -m cond.safetensors --guidance 1 -o cond-student.safetensors
  fmtiny reflow -m digits.safetensors --pairs 2000 --distill -o digits-student.safetensors
  fmtiny reflow -m model.safetensors -o student.safetensors --resume`

func runReflow(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reflow", "-m teacher.safetensors -o student.safetensors [flags]", reflowAbout)
	def := fm.DefaultReflowConfig()
	model := fs.String("m", "model.safetensors", "the teacher's model file")
	out := fs.String("o", "student.safetensors", "the student's model file")
	pairs := fs.Int("pairs", def.Pairs.N, "pairs (x0, x1) drawn from each stage's teacher")
	rounds := fs.Int("rounds", def.Rounds, "rounds of reflow: the k of a k-rectified flow")
	distill := fs.Bool("distill", def.Distill, "then distil the last flow into one Euler step")
	steps := fs.Int64("steps", def.Train.Steps, "training steps of each round")
	distillSteps := fs.Int64("distill-steps", def.DistillSteps, "training steps of the distillation")
	rtol := fs.finite("rtol", def.Pairs.Rtol, "the teacher's dopri5 relative tolerance")
	atol := fs.finite("atol", def.Pairs.Atol, "the teacher's dopri5 absolute tolerance")
	solver := fs.String("solver", "dopri5", "the solver of the pairs: dopri5, or euler, midpoint, heun or rk4 in --solver-steps steps")
	solverSteps := fs.Int("solver-steps", 50, "a fixed-step --solver: its steps")
	guidance := fs.finite("guidance", 0, "a conditional teacher: the classifier-free guidance its pairs are drawn with")
	condDrop := fs.finite("cond-drop", 0.2, "a conditional teacher: the probability of dropping a pair's label in training")
	batch := fs.Int("batch", def.Train.Batch, "pairs per step")
	lr := fs.finite("lr", 1e-3, "Adam's learning rate")
	ema := fs.finite("ema", 0, "keep an exponential moving average of the weights with this decay and save it (0: off)")
	seed := fs.Uint64("seed", 1, "random seed: the pairs' noise and the training")
	threads := fs.Int("threads", 0, "threads (0: all cores)")
	every := fs.Int64("checkpoint-every", 1000, "write a checkpoint every N steps (0: only when interrupted)")
	resume := fs.Bool("resume", false, "continue the run saved in the -o file's checkpoint")
	restart := fs.Bool("restart", false, "start over although the -o file's checkpoint holds an earlier run, moving that checkpoint aside to the -o file with .ckpt.old appended")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	var mf modelFlags
	mf.register(fs)
	if _, err := parse(fs, args, 0, stdout); err != nil {
		return err
	}
	switch {
	case *pairs < 1:
		return usagef("--pairs %d: must be at least 1", *pairs)
	case *rounds < 0:
		return usagef("--rounds %d: must not be negative", *rounds)
	case *steps < 1:
		return usagef("--steps %d: must be at least 1", *steps)
	case *distillSteps < 1:
		return usagef("--distill-steps %d: must be at least 1", *distillSteps)
	case !(*rtol > 0):
		return usagef("--rtol %v: must be positive", *rtol)
	case *atol < 0:
		return usagef("--atol %v: must not be negative", *atol)
	case *guidance < 0:
		return usagef("--guidance %v: must not be negative", *guidance)
	case !(*condDrop >= 0 && *condDrop < 1):
		return usagef("--cond-drop %v: must be in [0, 1)", *condDrop)
	case *batch < 1:
		return usagef("--batch %d: must be at least 1", *batch)
	case !(*lr > 0):
		return usagef("--lr %v: must be positive", *lr)
	case !(*ema >= 0 && *ema < 1):
		return usagef("--ema %v: must be in [0, 1)", *ema)
	case *threads < 0 || *threads > mat.MaxThreads:
		return threadsError(*threads)
	case *every < 0:
		return usagef("--checkpoint-every %d: must not be negative", *every)
	case *rounds == 0 && !*distill:
		return usagef("--rounds 0 without --distill: nothing to do")
	}
	method, err := ode.ParseMethod(*solver)
	switch {
	case err != nil:
		return usagef("--solver: %v", err)
	case method == ode.Dopri5 && fs.isSet("solver-steps"):
		return usagef("--solver-steps: for a fixed-step --solver; dopri5 takes --rtol and --atol")
	case method != ode.Dopri5 && (fs.isSet("rtol") || fs.isSet("atol")):
		return usagef("--rtol and --atol: dopri5's; --solver %s takes --solver-steps", method)
	case *solverSteps < 1:
		return usagef("--solver-steps %d: must be at least 1", *solverSteps)
	}
	c := def
	c.Pairs.N, c.Pairs.Rtol, c.Pairs.Atol, c.Pairs.Guidance = *pairs, *rtol, *atol, *guidance
	if method != ode.Dopri5 {
		c.Pairs.Method, c.Pairs.Steps = method, *solverSteps
	}
	c.Rounds, c.Distill, c.DistillSteps = *rounds, *distill, *distillSteps
	c.Train.Steps, c.Train.Batch, c.Train.LR, c.Train.EMA = *steps, *batch, float32(*lr), float32(*ema)
	c.Train.CondDrop, c.Train.Seed = float32(*condDrop), *seed
	if err := checkWritable(*out); err != nil {
		return err
	}
	if err := notAnInput(*out, *model); err != nil {
		return err
	}
	mat.SetThreads(*threads)
	teacher, err := mf.load(*model)
	if err != nil {
		return err
	}
	if teacher.Source != "" {
		return errorf("%s: the flow starts from %s, and reflow draws its pairs from N(0, I)", *model, teacher.Source)
	}
	if _, ok := teacher.Net.(*fm.UNetNetwork); ok && !fs.isSet("batch") {
		c.Train.Batch = imageBatch // train's default for the UNet
	}
	if teacher.NumClasses() == 0 {
		switch {
		case fs.isSet("guidance"):
			return errorf("--guidance %v: %s is not class-conditional", *guidance, *model)
		case fs.isSet("cond-drop"):
			return errorf("--cond-drop %v: %s is not class-conditional", *condDrop, *model)
		}
	}
	if err := c.Validate(); err != nil {
		return usagef("reflow: %v", err)
	}

	ckpt := *out + ".ckpt"
	_, err = os.Stat(ckpt)
	hasCkpt := err == nil
	switch {
	case *resume && *restart:
		return usagef("--resume with --restart: give one or the other")
	case hasCkpt && !*resume && !*restart:
		return usagef("%s holds an earlier run: add --resume to continue it, or --restart to start over (moving it to %s.old)", ckpt, ckpt)
	}
	for _, p := range []string{ckpt, *out} {
		if err := fileio.RemoveStaleTemporaries(p); err != nil && !*quiet {
			fmt.Fprintf(stderr, "fmtiny: note: %v\n", err)
		}
	}
	var progress io.Writer = stderr
	if *quiet {
		progress = io.Discard
	}
	// A stage's name, for messages.
	stageName := func(r *fm.Reflower) string {
		if r.Distilling() {
			return "distillation"
		}
		return fmt.Sprintf("round %d of %d", r.Stage+1, c.Rounds)
	}
	pairsDone := func(r *fm.Reflower) {
		how := fmt.Sprintf("dopri5, rtol %g, atol %g", c.Pairs.Rtol, c.Pairs.Atol)
		if c.Pairs.Steps > 0 {
			how = fmt.Sprintf("%s, %d steps", c.Pairs.Method, c.Pairs.Steps)
		}
		fmt.Fprintf(progress, "fmtiny: %s: %d pairs from the teacher (%s: %d field evaluations) in %s\n",
			stageName(r), c.Pairs.N, how, r.PairStats.NFE, roundedDuration(r.PairTime, time.Millisecond))
	}
	begin := time.Now()
	var r *fm.Reflower
	if *resume {
		if r, err = fm.ResumeReflower(ckpt, teacher, c); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return errorf("resume: no checkpoint %s (it is written next to -o %s)", ckpt, *out)
			}
			return err
		}
	} else {
		if hasCkpt {
			if err := os.Rename(ckpt, ckpt+".old"); err != nil {
				return errorf("restart: keep the earlier run's checkpoint: %w", err)
			}
			if !*quiet {
				fmt.Fprintf(stderr, "fmtiny: starting over; the earlier run's checkpoint is now %s.old\n", ckpt)
			}
		}
		if !*quiet {
			fmt.Fprintf(stderr, "fmtiny: reflow of %s: %d round(s)%s, kernels %s, %d threads\n", *model, c.Rounds,
				choose(c.Distill, " and a distillation", ""), mat.Impl(), mat.Threads())
		}
		if r, err = fm.NewReflower(teacher, c); err != nil {
			return err
		}
		pairsDone(r)
	}

	// The rest runs in a function of its own, so that its deferred signal.Stop does not make
	// each of the returns above call runtime.deferreturn.
	return func() error {
		sigc := make(chan os.Signal, 1)
		signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(sigc)
		bar := newProgress(progress, r.Trainer.Step, r.StageSteps())
		lastCkpt := int64(-1)
		for {
			tr := r.Trainer
			if tr.Step >= r.StageSteps() {
				bar.finish()
				if r.Done() {
					break
				}
				if err := r.Next(); err != nil {
					return err
				}
				pairsDone(r)
				bar, lastCkpt = newProgress(progress, 0, r.StageSteps()), -1
				continue
			}
			select {
			case s := <-sigc:
				bar.finish()
				if err := r.SaveCheckpoint(ckpt); err != nil {
					return errorf("interrupted at step %d of the %s, and the checkpoint could not be saved: %w", tr.Step, stageName(r), err)
				}
				status := 130
				if sig, ok := s.(syscall.Signal); ok {
					status = 128 + int(sig)
				}
				return &interrupted{fmt.Sprintf("interrupted (%v) at step %d of %d of the %s; checkpoint saved to %s: add --resume to continue", s, tr.Step, r.StageSteps(), stageName(r), ckpt), status}
			default:
			}
			loss, err := tr.TrainStep()
			if err != nil {
				bar.finish()
				if _, ok := fileio.As[*fm.DivergedError](err); ok && lastCkpt > 0 {
					return errorf("%s: %w; the checkpoint of step %d is kept in %s", stageName(r), err, lastCkpt, ckpt)
				}
				return errorf("%s: %w", stageName(r), err)
			}
			bar.update(tr.Step, loss)
			if *every > 0 && tr.Step%*every == 0 && !r.Done() {
				if err := r.SaveCheckpoint(ckpt); err != nil {
					bar.finish()
					return err
				}
				lastCkpt = tr.Step
			}
		}
		if err := r.Model().Save(*out); err != nil {
			return err
		}
		if err := os.Remove(ckpt); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "fmtiny: note: could not remove the finished run's checkpoint: %v\n", err)
		}
		if !*quiet {
			fmt.Fprintf(stderr, "fmtiny: saved %s after %d round(s)%s (%s)\n", *out, c.Rounds,
				choose(c.Distill, " and a distillation", ""), roundedDuration(time.Since(begin), time.Millisecond))
		}
		return nil
	}()
}
