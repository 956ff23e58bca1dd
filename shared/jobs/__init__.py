"""Jobs: long work (initial sync) run in chunks driven by the `sync-jobs` queue, each chunk a checkpoint.

A job row in table `SyncJobs` says where the job is (its phase, cursor and counts); a queue message
names the chunk to run next. A chunk is decided, written, checkpointed (ETag-conditional), and only
then is the next chunk's message sent, so a crash anywhere leaves a job that goes on from its last
checkpoint: a chunk run again finds its own rows written and counts them as it did the first time.
"""
