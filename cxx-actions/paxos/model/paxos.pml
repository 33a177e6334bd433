/*
 * Promela model of the fault-tolerant Multi-Paxos protocol of
 * /work/shared/paxos-ft/PROTOCOL.md (issue 16), for spin.  README.md says
 * what is modeled, what is abstracted and how to run it (check.sh).
 *
 * Members 1..3 are acceptors; nodes 1 and 2 may lead; learners run on
 * nodes 1..LEARNERS.  Round r is owned by node ((r-1) % 3) + 1: node 1
 * owns rounds 1 and 4, node 2 owns 2 and 5 (MAXR = 5).  Node 1 leads
 * round 1 from the start, phase 1 skipped.
 *
 * The network is the set of every message ever sent: any message in it
 * may be delivered at any time, any number of times, or never, which is
 * loss, duplication and reordering at once.  Each message kind is a table
 * indexed by its fields (a message is in the set when its entry is
 * nonzero); nothing is ever removed.
 *
 * -DIGNORE_PROMISES is the negative control: a new leader ignores the
 * PROMISE entries and reuses the slots from its learner's next on, so it
 * may overwrite a chosen value; spin must find the agreement violation.
 * -DLOWEST_VROUND is a second one, which needs three rounds: the new
 * leader re-proposes the value of the lowest vround instead of the
 * highest; spin must find the proposal invariant (or agreement) violated.
 */

#define NACC 3   /* members (acceptors) 1..3 */
#define MAJ 2    /* majority = NACC/2 + 1 */
#define NSLOTS 4 /* slots 0..3 (fixed: the step lists below name them) */
#ifndef MAXR
#define MAXR 5 /* rounds 1..MAXR (2, 4 or 5; round 3 is node 3's: unused) */
#endif
#ifndef LEARNERS
#define LEARNERS 2 /* learners on nodes 1..LEARNERS (2 or 3) */
#endif

/* Values: NONE = no value, NOOP = the empty value that fills a hole, VA
 * and VB are the frames of clients A and B. */
#define NONE 0
#define NOOP 1
#define VA 2
#define VB 3

/* A logged value or PROMISE entry as one byte: vround*4 + value; 0 = none.
 * A larger byte has a higher vround (one value per round and slot). */
#define ENC(r, v) ((r) * 4 + (v))
#define VROUND(e) ((e) / 4)
#define VALUE(e) ((e) % 4)

#define OWNER(r) (((r) - 1) % NACC + 1)
#define BIT(a) (1 << ((a) - 1))
#define COUNT3(m) (((m) & 1) + (((m) >> 1) & 1) + (((m) >> 2) & 1))

typedef Slots {
    byte at[NSLOTS]
}

/* ---- The network: every message ever sent. ---- */
/* PREPARE(r, from): prepFrom[r] = from + 1; 0 = not sent.  The owner sends
 * one per round; its re-sends are the same message. */
byte prepFrom[MAXR + 1];
/* PROMISE entry from acceptor a to round r for slot s (vround, value):
 * promEnt[r * NACC + a - 1].at[s] = ENC(vround, value). */
Slots promEnt[(MAXR + 1) * NACC];
/* PROMISE END(count, next) from acceptor a to round r:
 * promEnd[r * NACC + a - 1] = 1 + count * (NSLOTS + 1) + next. */
byte promEnd[(MAXR + 1) * NACC];
/* ACCEPT(r, s, v): accMsg[r].at[s] = v.  One leader per round, and it
 * assigns a slot once per round, so one value per (r, s). */
Slots accMsg[MAXR + 1];
/* LEARN(r, s, v) from acceptor a: bit a of learnFrom[r].at[s]; its value is
 * the only one accepted in (r, s), accMsg[r].at[s] (asserted). */
Slots learnFrom[MAXR + 1];

/* ---- Clients: sent[v] once client v's frame exists. ---- */
bool sent[4];

/* ---- Acceptors 1..3 (index a - 1). ---- */
byte prom[NACC];     /* promised round P */
Slots acclog[NACC];  /* log: slot -> ENC(vround, value) */

/* ---- Would-be leaders, nodes 1 and 2 (index node - 1). ---- */
#define FOLLOWER 0
#define PHASE1 1
#define ACTIVE 2
byte lround[2];    /* its round; 0 = none yet */
byte lphase[2];    /* FOLLOWER, PHASE1 or ACTIVE in lround */
byte lnext[2];     /* next slot it assigns */
byte lfrom[2];     /* from of its PREPARE */
byte lgot[2];      /* acceptors whose PROMISE END was counted */
byte lmaxnext[2];  /* max next over the counted ENDs */
byte ltaken[2];    /* bit v: client value v already assigned a slot */
/* PROMISE entries received: lent[(node-1) * NACC + a - 1].at[s]. */
Slots lent[2 * NACC];

/* ---- Learners on nodes 1..LEARNERS (index node - 1). ---- */
Slots lrnRound[LEARNERS]; /* highest round seen per slot */
Slots lrnVotes[LEARNERS]; /* acceptors that sent a LEARN in that round */
Slots lrnChosen[LEARNERS]; /* chosen value per slot; NONE = not yet */
byte lrnNext[LEARNERS];    /* first undelivered slot (delivered point + 1) */

/* Ghost: the value first chosen for each slot by any learner. */
Slots firstChosen;

/* Scratch for the step being taken; reset to 0 after every step so it
 * never tells two states apart. */
byte r, s, a, n, v, e, best, cnt;

/* Acceptor a raised its promise to rnd: the leader on the same node steps
 * down if it was in a lower round. */
inline step_down(a, rnd)
{
    if
    :: a <= 2 && lround[a - 1] < rnd && lphase[a - 1] != FOLLOWER ->
        lphase[a - 1] = FOLLOWER
    :: else -> skip
    fi
}

/* Acceptor a handles PREPARE(r, from): if r >= P, promise r and answer one
 * PROMISE entry per logged slot >= from, then END(count, next).  The
 * answer is sent once: until round r's leader is active (and never reads
 * PROMISEs again) the log cannot change under a promise of r, so a later
 * answer would be the same messages, which the set already redelivers. */
inline acceptor_prepare(a, r)
{
    if
    :: r >= prom[a - 1] ->
        prom[a - 1] = r;
        step_down(a, r);
        if
        :: promEnd[r * NACC + a - 1] == 0 ->
            cnt = 0;
            n = 0;
            s = 0;
            do
            :: s < NSLOTS ->
                if
                :: acclog[a - 1].at[s] != 0 ->
                    n = s + 1;
                    if
                    :: s + 1 >= prepFrom[r] ->
                        promEnt[r * NACC + a - 1].at[s] = acclog[a - 1].at[s];
                        cnt++
                    :: else -> skip
                    fi
                :: else -> skip
                fi;
                s++
            :: else -> break
            od;
            promEnd[r * NACC + a - 1] = 1 + cnt * (NSLOTS + 1) + n
        :: else -> skip
        fi
    :: else -> skip /* stale */
    fi
}

/* Acceptor a handles ACCEPT(r, s, v): if r >= P, log (r, v) in slot s and
 * send LEARN(r, s, v); else refused (a deposed leader's ACCEPT). */
inline acceptor_accept(a, r, s)
{
    if
    :: r >= prom[a - 1] ->
        prom[a - 1] = r;
        step_down(a, r);
        acclog[a - 1].at[s] = ENC(r, accMsg[r].at[s]);
        learnFrom[r].at[s] = learnFrom[r].at[s] | BIT(a)
    :: else -> skip
    fi
}

/* Learner l handles LEARN(r, s, v) from acceptor a: a higher round replaces
 * the votes, the same round adds a; at a majority of distinct acceptors in
 * one round the slot is chosen.  It keeps counting after that, so a second
 * choice of another value is caught. */
inline learner_learn(l, r, s, a)
{
    if
    :: r > lrnRound[l].at[s] ->
        lrnRound[l].at[s] = r;
        lrnVotes[l].at[s] = BIT(a)
    :: r == lrnRound[l].at[s] ->
        lrnVotes[l].at[s] = lrnVotes[l].at[s] | BIT(a)
    :: else -> skip /* older round */
    fi;
    if
    :: COUNT3(lrnVotes[l].at[s]) >= MAJ ->
        v = accMsg[lrnRound[l].at[s]].at[s];
        /* Validity: a NO-OP or a value a client sent. */
        assert(v == NOOP || ((v == VA || v == VB) && sent[v]));
        /* A learner never chooses two values for one slot. */
        assert(lrnChosen[l].at[s] == NONE || lrnChosen[l].at[s] == v);
        /* Agreement: every learner chooses the same value for a slot. */
        assert(firstChosen.at[s] == NONE || firstChosen.at[s] == v);
        firstChosen.at[s] = v;
        lrnChosen[l].at[s] = v;
        /* Deliver in order: next moves past every chosen slot (a NO-OP
         * is counted and skipped, not delivered). */
        do
        :: lrnNext[l] < NSLOTS && lrnChosen[l].at[lrnNext[l]] != NONE ->
            lrnNext[l]++
        :: else -> break
        od
    :: else -> skip
    fi
}

/* Leader node L sends ACCEPT(lround, s, v).  Unless the control is on,
 * it also checks the proposal invariant: a value chosen by a majority of
 * acceptors in a lower round is the only value a higher round proposes. */
inline propose(L, s, v)
{
    assert(accMsg[lround[L - 1]].at[s] == NONE);
#ifndef IGNORE_PROMISES
    e = 1;
    do
    :: e < lround[L - 1] ->
        assert(COUNT3(learnFrom[e].at[s]) < MAJ || accMsg[e].at[s] == v);
        e++
    :: else -> break
    od;
    e = 0;
#endif
    accMsg[lround[L - 1]].at[s] = v
}

/* Leader node L starts phase 1 (its timeout): the smallest round it owns
 * above every round it knows (its own, its acceptor's promise), PREPARE
 * with from = its learner's next (0 when the node has no learner). */
inline start_phase1(L)
{
    r = L;
    do
    :: r <= lround[L - 1] || r <= prom[L - 1] -> r = r + NACC
    :: else -> break
    od;
    if
    :: r <= MAXR ->
        lround[L - 1] = r;
        lphase[L - 1] = PHASE1;
        lgot[L - 1] = 0;
        lmaxnext[L - 1] = 0;
        if
        :: L <= LEARNERS -> lfrom[L - 1] = lrnNext[L - 1]
        :: else -> lfrom[L - 1] = 0
        fi;
        a = 0;
        do
        :: a < NACC ->
            s = 0;
            do
            :: s < NSLOTS -> lent[(L - 1) * NACC + a].at[s] = 0; s++
            :: else -> break
            od;
            a++
        :: else -> break
        od;
        prepFrom[r] = lfrom[L - 1] + 1
    :: else -> skip /* rounds exhausted (the bound) */
    fi
}

/* Phase 1 done (PROMISE END counted from a majority): re-propose every
 * slot from 'from' to max(next)-1 with the value of the highest vround
 * among the counted promises, a NO-OP for a hole; next = max(next); only
 * then new client values.  The control skips all that and reuses the
 * slots from 'from' on. */
inline finish_phase1(L)
{
#ifdef IGNORE_PROMISES
    lnext[L - 1] = lfrom[L - 1];
#else
    /* No trim: a chosen slot below 'from' is logged by some counted
     * acceptor, so max(next) >= from. */
    assert(lmaxnext[L - 1] >= lfrom[L - 1]);
    s = lfrom[L - 1];
    do
    :: s < lmaxnext[L - 1] ->
        best = 0;
        a = 1;
        do
        :: a <= NACC ->
            if
#ifdef LOWEST_VROUND
            :: (lgot[L - 1] & BIT(a)) &&
           lent[(L - 1) * NACC + a - 1].at[s] != 0 &&
           (best == 0 || lent[(L - 1) * NACC + a - 1].at[s] < best) ->
#else
            :: (lgot[L - 1] & BIT(a)) &&
           lent[(L - 1) * NACC + a - 1].at[s] > best ->
#endif
                best = lent[(L - 1) * NACC + a - 1].at[s]
            :: else -> skip
            fi;
            a++
        :: else -> break
        od;
        if
        :: best != 0 -> propose(L, s, VALUE(best))
        :: else -> propose(L, s, NOOP)
        fi;
        s++
    :: else -> break
    od;
    lnext[L - 1] = lmaxnext[L - 1];
#endif
    lphase[L - 1] = ACTIVE
}

/* Leader node L receives PROMISE END(count, next) from acceptor a for its
 * round in phase 1: counted when 'count' entries from a arrived (else it
 * waits: its re-sent PREPARE is the same message, already in the set). */
inline leader_end(L, a)
{
    e = promEnd[lround[L - 1] * NACC + a - 1] - 1;
    cnt = 0;
    s = 0;
    do
    :: s < NSLOTS ->
        if
        :: lent[(L - 1) * NACC + a - 1].at[s] != 0 -> cnt++
        :: else -> skip
        fi;
        s++
    :: else -> break
    od;
    if
    :: cnt == e / (NSLOTS + 1) ->
        lgot[L - 1] = lgot[L - 1] | BIT(a);
        if
        :: e % (NSLOTS + 1) > lmaxnext[L - 1] ->
            lmaxnext[L - 1] = e % (NSLOTS + 1)
        :: else -> skip
        fi;
        if
        :: COUNT3(lgot[L - 1]) >= MAJ -> finish_phase1(L)
        :: else -> skip
        fi
    :: else -> skip /* count mismatch: entries lost so far */
    fi
}

/*
 * The steps.  Every delivery of a message in the set is its own guarded
 * step, enabled only when the message is there and handling it changes
 * some state: delivering a message that changes nothing (a stale or
 * duplicate one) is the same as not delivering it, so leaving it out
 * loses no behaviour.  The lists below expand to one step per round,
 * slot, acceptor, learner and leader.
 */
#define MAX2(x, y) ((x) > (y) -> (x) : (y))
#define LASTOWN(N) ((N) + ((MAXR - (N)) / NACC) * NACC)
#define NZ(x) ((x) != 0 -> 1 : 0)
#define ENTRIES(N, A)                                                        \
    (NZ(lent[(N - 1) * NACC + A - 1].at[0]) +                              \
     NZ(lent[(N - 1) * NACC + A - 1].at[1]) +                              \
     NZ(lent[(N - 1) * NACC + A - 1].at[2]) +                              \
     NZ(lent[(N - 1) * NACC + A - 1].at[3]))
#define PEND(N, A) promEnd[lround[N - 1] * NACC + A - 1]
#define PENT(N, A, S) promEnt[lround[N - 1] * NACC + A - 1].at[S]

/* A client sends its frame (to every member: CLIENT forwarding).  Client
 * A sends first: the model is symmetric in the two values, so a run where
 * B sends first is the mirror image of one kept. */
#define CLIENT_STEP(V, PRE) :: d_step { !sent[V] && PRE -> sent[V] = true }

/* Active leader N assigns its next slot to client frame V. */
#define ASSIGN_STEP(N, V)                                                    \
    :: d_step {                                                              \
        lphase[N - 1] == ACTIVE && lnext[N - 1] < NSLOTS && sent[V] &&     \
        !(ltaken[N - 1] & (1 << V)) ->                                     \
        ltaken[N - 1] = ltaken[N - 1] | (1 << V);                          \
        propose(N, lnext[N - 1], V);                                       \
        lnext[N - 1]++                                                     \
    }

/* Node N times out and starts phase 1 in a higher own round. */
#define PHASE1_STEP(N)                                                       \
    :: d_step {                                                              \
        MAX2(lround[N - 1], prom[N - 1]) < LASTOWN(N) ->                   \
        start_phase1(N);                                                   \
        r = 0; a = 0; s = 0                                                \
    }

/* Acceptor A receives PREPARE(R). */
#define PREPARE_STEP(R, A)                                                   \
    :: d_step {                                                              \
        prepFrom[R] != 0 &&                                                \
        (R > prom[A - 1] ||                                                \
         (R == prom[A - 1] && promEnd[R * NACC + A - 1] == 0)) ->          \
        acceptor_prepare(A, R);                                            \
        s = 0; n = 0; cnt = 0                                              \
    }

/* Acceptor A receives ACCEPT(R, S). */
#define ACCEPT_STEP(R, S, A)                                                 \
    :: d_step {                                                              \
        accMsg[R].at[S] != NONE &&                                         \
        (R > prom[A - 1] ||                                                \
         (R == prom[A - 1] &&                                              \
          acclog[A - 1].at[S] != ENC(R, accMsg[R].at[S]))) ->              \
        acceptor_accept(A, R, S)                                           \
    }

/* Learner L (index) receives LEARN(R, S) from acceptor A. */
#define LEARN_STEP(L, R, S, A)                                               \
    :: d_step {                                                              \
        (learnFrom[R].at[S] & BIT(A)) &&                                   \
        (R > lrnRound[L].at[S] ||                                          \
         (R == lrnRound[L].at[S] && !(lrnVotes[L].at[S] & BIT(A)))) ->     \
        learner_learn(L, R, S, A);                                         \
        v = 0                                                              \
    }

/* Leader N in phase 1 receives the PROMISE entry for slot S from A.  The
 * entries of one acceptor are taken in slot order (PRE: the lower ones
 * are in): the order changes nothing, since an END counts only once all
 * its entries are in, so this leaves out only states equivalent to ones
 * kept, while a lost entry still makes the END mismatch. */
#define GOT(N, A, S)                                                         \
    (PENT(N, A, S) == 0 || lent[(N - 1) * NACC + A - 1].at[S] != 0)
#define ENTRY_STEP(N, A, S, PRE)                                             \
    :: d_step {                                                              \
        lphase[N - 1] == PHASE1 && !(lgot[N - 1] & BIT(A)) &&              \
        PENT(N, A, S) != 0 && PRE &&                                       \
        lent[(N - 1) * NACC + A - 1].at[S] == 0 ->                         \
        lent[(N - 1) * NACC + A - 1].at[S] = PENT(N, A, S)                 \
    }

/* Leader N in phase 1 receives PROMISE END from A with as many entries
 * as it got (a mismatch changes nothing: it waits for the rest). */
#define END_STEP(N, A)                                                       \
    :: d_step {                                                              \
        lphase[N - 1] == PHASE1 && !(lgot[N - 1] & BIT(A)) &&              \
        PEND(N, A) != 0 &&                                                 \
        ENTRIES(N, A) == (PEND(N, A) - 1) / (NSLOTS + 1) ->                \
        leader_end(N, A);                                                  \
        a = 0; s = 0; e = 0; cnt = 0; best = 0                             \
    }

/* The lists: rounds 1, 2, then 4 and 5 up to MAXR (round 3 is node 3's);
 * every round but 1 starts with a PREPARE. */
#if MAXR >= 4
#define ROUND4(X, P) X(P, 4)
#else
#define ROUND4(X, P)
#endif
#if MAXR >= 5
#define ROUND5(X, P) X(P, 5)
#else
#define ROUND5(X, P)
#endif
#define FOR_ROUNDS(X, P) X(P, 1) X(P, 2) ROUND4(X, P) ROUND5(X, P)
#define FOR_PREPARED(X, P) X(P, 2) ROUND4(X, P) ROUND5(X, P)
#define ACC3(P, S) ACCEPT_STEP(P, S, 1) ACCEPT_STEP(P, S, 2) ACCEPT_STEP(P, S, 3)
#define ACC_R(P, R) ACC3(R, 0) ACC3(R, 1) ACC3(R, 2) ACC3(R, 3)
#define PREP_R(P, R) PREPARE_STEP(R, 1) PREPARE_STEP(R, 2) PREPARE_STEP(R, 3)
#define LRN3(L, R, S)                                                        \
    LEARN_STEP(L, R, S, 1) LEARN_STEP(L, R, S, 2) LEARN_STEP(L, R, S, 3)
#define LRN_R(L, R) LRN3(L, R, 0) LRN3(L, R, 1) LRN3(L, R, 2) LRN3(L, R, 3)
#define ENT4(N, A)                                                           \
    ENTRY_STEP(N, A, 0, true)                                              \
    ENTRY_STEP(N, A, 1, GOT(N, A, 0))                                      \
    ENTRY_STEP(N, A, 2, GOT(N, A, 0) && GOT(N, A, 1))                      \
    ENTRY_STEP(N, A, 3, GOT(N, A, 0) && GOT(N, A, 1) && GOT(N, A, 2))      \
    END_STEP(N, A)
#define PROMISES(N) ENT4(N, 1) ENT4(N, 2) ENT4(N, 3)

init
{
    /* Node 1 leads round 1, phase 1 skipped. */
    d_step {
        lround[0] = 1;
        lphase[0] = ACTIVE
    };
    /* The end label: a state where no step is enabled is a valid end. */
end:
    do
    CLIENT_STEP(VA, true)
    CLIENT_STEP(VB, sent[VA])
    ASSIGN_STEP(1, VA)
    ASSIGN_STEP(1, VB)
    ASSIGN_STEP(2, VA)
    ASSIGN_STEP(2, VB)
    PHASE1_STEP(1)
    PHASE1_STEP(2)
    FOR_PREPARED(PREP_R, 0)
    FOR_ROUNDS(ACC_R, 0)
    FOR_ROUNDS(LRN_R, 0)
    FOR_ROUNDS(LRN_R, 1)
#if LEARNERS == 3
    FOR_ROUNDS(LRN_R, 2)
#endif
    PROMISES(1)
    PROMISES(2)
    od
}
