import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// CI machines have two cores shared by every test project: give queries
// that wait for the page time to see it, rather than fail on a busy machine.
configure({ asyncUtilTimeout: 10_000 });
