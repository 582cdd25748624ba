/**
 * Turns the changelog's pub/sub messages into a gap-free, strictly ordered stream of entries.
 * Messages from several processes can arrive out of seq order, and pub/sub drops messages while a
 * connection is down; the stored log does neither. So a message that is next in line is delivered
 * at once, and any gap is filled from the log (which waits for a writer still storing its entry
 * and skips one that died). A log trimmed past our position means entries are gone for good:
 * every subscriber is told to refetch.
 */
import type { Changelog, ChangelogEntry } from "../kernel/changelog";

export interface SequencerHandlers {
  /** Called once per entry, in seq order, never concurrently. */
  deliver(entry: ChangelogEntry): Promise<void>;
  /** The log was trimmed past our position: entries up to `seq` were lost. */
  lost(seq: number): Promise<void>;
  /** A log read failed (the KV is unreachable); delivery resumes on the next poll or message. */
  failed(error: unknown): void;
}

/** How long a gap may wait for its message before the log is read; doubles up to the cap. */
const FIRST_FILL_DELAY_MS = 10;
const MAX_FILL_DELAY_MS = 250;
/** Entries read from the log per fill, so catching up after an outage holds a bounded page. */
const FILL_PAGE = 1000;

export class ChangelogSequencer {
  /** The highest seq delivered; every entry at or below it has been dealt with. */
  position = 0;
  private readonly pending = new Map<number, ChangelogEntry>();
  private running = false;
  private fillRequested = false;
  private fillTimer: ReturnType<typeof setTimeout> | undefined;
  private fillDelay = FIRST_FILL_DELAY_MS;
  private unsubscribe: (() => Promise<void>) | undefined;
  private stopped = false;

  constructor(
    private readonly changelog: Changelog,
    private readonly handlers: SequencerHandlers,
  ) {}

  /** Subscribes, then takes the log's latest seq as the starting position. */
  async start(): Promise<void> {
    // Subscribed first, so nothing appended after the position is read can be missed.
    this.unsubscribe = await this.changelog.subscribe((entry) => this.offer(entry));
    try {
      this.position = await this.changelog.latestSeq();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.fillTimer) clearTimeout(this.fillTimer);
    this.pending.clear();
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.().catch(() => {});
  }

  /** A message from pub/sub. */
  offer(entry: ChangelogEntry): void {
    if (this.stopped || entry.seq <= this.position) return;
    this.pending.set(entry.seq, entry);
    void this.run();
  }

  /** Reads the log for anything after the position (a poll found the log ahead of us). */
  catchUp(): void {
    this.fillRequested = true;
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      while (!this.stopped) {
        const next = this.pending.get(this.position + 1);
        if (next) {
          this.pending.delete(next.seq);
          this.position = next.seq;
          this.fillDelay = FIRST_FILL_DELAY_MS;
          await this.handlers.deliver(next);
          continue;
        }
        if (!this.fillRequested) break;
        this.fillRequested = false;
        await this.fill();
      }
    } catch (error) {
      if (!this.stopped) this.handlers.failed(error);
    } finally {
      this.running = false;
    }
    if (this.pending.size > 0 && !this.stopped) this.scheduleFill();
  }

  private scheduleFill(): void {
    if (this.fillTimer) return;
    const delay = this.fillDelay;
    this.fillDelay = Math.min(MAX_FILL_DELAY_MS, this.fillDelay * 2);
    this.fillTimer = setTimeout(() => {
      this.fillTimer = undefined;
      this.catchUp();
    }, delay);
  }

  private async fill(): Promise<void> {
    const page = await this.changelog.since(this.position, { limit: FILL_PAGE });
    if (page.truncated) {
      const latest = await this.changelog.latestSeq();
      this.position = Math.max(this.position, latest);
      this.dropDelivered();
      await this.handlers.lost(this.position);
      return;
    }
    for (const entry of page.entries) {
      if (entry.seq <= this.position) continue;
      this.position = entry.seq;
      this.pending.delete(entry.seq);
      await this.handlers.deliver(entry);
    }
    // The cursor moves past holes the log gave up on (a writer that died mid-append).
    if (page.cursor > this.position) this.position = page.cursor;
    this.dropDelivered();
    if (page.entries.length === FILL_PAGE) this.fillRequested = true;
  }

  private dropDelivered(): void {
    for (const seq of this.pending.keys()) if (seq <= this.position) this.pending.delete(seq);
  }
}
