from voice_cecert.cli import main

raise SystemExit(main())
