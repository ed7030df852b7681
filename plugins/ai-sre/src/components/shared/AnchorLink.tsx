import MuiLink from '@material-ui/core/Link';
import { ReactNode } from 'react';

/**
 * A link to evidence elsewhere on the same page: scrolls to it and moves the
 * keyboard focus there, without touching the app's route.
 */
export function AnchorLink(props: { targetId: string; children: ReactNode }) {
  const { targetId, children } = props;
  return (
    <MuiLink
      href={`#${targetId}`}
      onClick={(event: React.MouseEvent) => {
        const target = document.getElementById(targetId);
        if (!target) return;
        event.preventDefault();
        target.scrollIntoView?.({ block: 'start', behavior: 'smooth' });
        target.focus({ preventScroll: true });
      }}
    >
      {children}
    </MuiLink>
  );
}
