-- perfetto_judge.sql - what perfetto_judge.py compares, as trace_processor
-- imported it: one row per fact: its kind and its fields joined by tabs.  Kinds:
--   stat     an import problem (severity error or data_loss, value > 0)
--   slice    a slice on a thread track: tid, ts, dur, depth, the parent's
--            ts and name, category, name
--   flow     a flow arrow: the slices it joins (ts and name of each; an
--            endpoint that is an instant of category "flow", as the
--            protobuf output binds flows, stands for the call around it)
--   counter  name, ts, value
--   thread   tid, name, its process's pid and name
--   sched    ts, dur, cpu, tid, end state, priority
--   state    ts, dur, tid, state, cpu, io_wait
select 'stat' as k, name || ' ' || ifnull(idx, '-') || ' ' || severity || ' ' || value as v
  from stats where value > 0 and severity in ('error', 'data_loss')
union all
select 'slice', t.tid || char(9) || s.ts || char(9) || s.dur || char(9) || s.depth || char(9) ||
       ifnull(p.ts, '-') || char(9) || ifnull(p.name, '-') || char(9) ||
       ifnull(s.category, '-') || char(9) || s.name
  from slice s join thread_track tt on s.track_id = tt.id join thread t using (utid)
  left join slice p on s.parent_id = p.id
union all
select 'flow', iif(o.category = 'flow', op.ts || char(9) || op.name, o.ts || char(9) || o.name) ||
       char(9) || iif(i.category = 'flow', ip.ts || char(9) || ip.name, i.ts || char(9) || i.name)
  from flow f join slice o on f.slice_out = o.id join slice i on f.slice_in = i.id
  left join slice op on o.parent_id = op.id left join slice ip on i.parent_id = ip.id
union all
select 'counter', ct.name || char(9) || c.ts || char(9) || cast(c.value as int)
  from counter c join counter_track ct on c.track_id = ct.id
union all
select 'thread', t.tid || char(9) || ifnull(t.name, '-') || char(9) || ifnull(p.pid, '-') ||
       char(9) || ifnull(p.name, '-')
  from thread t left join process p using (upid)
union all
select 'sched', s.ts || char(9) || s.dur || char(9) || s.cpu || char(9) || t.tid || char(9) ||
       ifnull(s.end_state, '-') || char(9) || s.priority
  from sched s join thread t using (utid)
union all
select 'state', s.ts || char(9) || s.dur || char(9) || t.tid || char(9) || ifnull(s.state, '-') ||
       char(9) || ifnull(s.cpu, '-') || char(9) || ifnull(s.io_wait, '-')
  from thread_state s join thread t using (utid);
