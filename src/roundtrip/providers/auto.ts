import type { GateConfig } from '../../config/types.js';
import { GateError, type DatabaseInfo } from '../../types.js';
import type { DatabaseProvider, ScratchDatabase } from '../types.js';
import { ContainerProvider } from './container.js';
import { dockerAnswers } from './docker.js';
import { EmbeddedProvider } from './embedded.js';

/**
 * `--database auto`: the container provider when Docker answers, else the embedded one; when Docker answers
 * but no container starts, a note and the embedded database.
 */
export class AutoProvider implements DatabaseProvider {
  private delegate: DatabaseProvider | null = null;
  private readonly ownNotes: string[] = [];

  constructor(
    private readonly config: GateConfig,
    private readonly probe: () => Promise<boolean> = () => dockerAnswers(),
  ) {}

  get kind(): DatabaseInfo['provider'] {
    return this.delegate?.kind ?? 'embedded';
  }

  get notes(): string[] {
    return [...this.ownNotes, ...(this.delegate?.notes ?? [])];
  }

  async start(): Promise<DatabaseInfo> {
    if (!this.delegate) {
      if (await this.probe()) {
        const container = new ContainerProvider(this.config);
        try {
          this.delegate = container;
          return await container.start();
        } catch (error) {
          // Docker answers but gives no database: the pull request is not failed for the runner's sake.
          if (!(error instanceof GateError)) throw error;
          this.delegate = new EmbeddedProvider();
          this.ownNotes.push(
            `Docker answers, but no PostgreSQL container started (${error.message}): using the embedded database`,
          );
        }
      } else {
        this.delegate = new EmbeddedProvider();
        this.ownNotes.push('no Docker runtime answered: using the embedded database');
      }
    }
    return this.delegate.start();
  }

  async createScratch(): Promise<ScratchDatabase> {
    await this.start();
    return this.delegate!.createScratch();
  }

  get copyScratch(): DatabaseProvider['copyScratch'] {
    const delegate = this.delegate;
    return delegate?.copyScratch ? (source) => delegate.copyScratch!(source) : undefined;
  }

  async close(): Promise<void> {
    await this.delegate?.close();
  }
}
